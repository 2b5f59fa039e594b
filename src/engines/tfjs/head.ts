import type * as tfTypes from '@tensorflow/tfjs';
import { HeadstartError } from '../../core/index.js';
import type { DenseHeadSpec, SavedHead, TrainableHead } from '../engine.js';
import { tf } from './backend.js';

export function buildHead(spec: DenseHeadSpec): tfTypes.Sequential {
  const model = tf.sequential();
  const widths = [...spec.hidden, spec.classes];
  widths.forEach((units, i) => {
    // A softmax regression's dropout acts on its input features, as in Keras's transfer-learning recipe.
    const dropout = spec.dropout > 0 && (i > 0 || spec.hidden.length === 0);
    const inputShape = i === 0 ? { inputShape: [spec.inputDim] } : {};
    if (dropout) model.add(tf.layers.dropout({ rate: spec.dropout, seed: spec.seed + i, ...inputShape }));
    model.add(
      tf.layers.dense({
        units,
        activation: i < widths.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: spec.seed + 100 + i }),
        ...(dropout ? {} : inputShape),
        name: i < widths.length - 1 ? `hidden_${i}` : 'logits',
      }),
    );
  });
  return model;
}

export function specFromModel(model: tfTypes.LayersModel): DenseHeadSpec {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  const dropout = model.layers.find((l) => l.getClassName() === 'Dropout');
  const inputShape = model.inputs[0]?.shape ?? [];
  return {
    inputDim: Number(inputShape[inputShape.length - 1]),
    classes: Number((dense[dense.length - 1]?.getConfig() as { units: number }).units),
    hidden: dense.slice(0, -1).map((l) => Number((l.getConfig() as { units: number }).units)),
    dropout: dropout ? Number((dropout.getConfig() as { rate: number }).rate) : 0,
    l2: 0,
    seed: 0,
  };
}

/**
 * tfjs's Dropout draws its mask from `seed` afresh on every call, so a seeded layer drops the same units at every
 * step and regularises nothing. Moving each seeded Dropout layer's seed on before a training step gives a new mask
 * per step that a rerun with the same seeds repeats (a checkpoint keeps them: dropoutSeeds, setDropoutSeeds).
 */
export function nextDropoutMasks(model: tfTypes.LayersModel): void {
  for (const layer of seededDropouts(model)) layer.seed += 1;
}

function seededDropouts(model: tfTypes.LayersModel): { seed: number }[] {
  return model.layers.filter((l) => l.getClassName() === 'Dropout' && (l as unknown as { seed?: number }).seed !== undefined) as unknown as { seed: number }[];
}

/** The seeds a model's Dropout layers will draw their next masks from, in layer order. */
export function dropoutSeeds(model: tfTypes.LayersModel): number[] {
  return seededDropouts(model).map((l) => l.seed);
}

/** Puts back seeds read with dropoutSeeds. */
export function setDropoutSeeds(model: tfTypes.LayersModel, seeds: readonly number[]): void {
  const layers = seededDropouts(model);
  if (seeds.length !== layers.length) throw new HeadstartError('HS_MODEL_INVALID', `Expected ${layers.length} dropout seeds for this head, got ${seeds.length}.`);
  layers.forEach((l, i) => (l.seed = seeds[i] as number));
}

/** Wraps a Layers model whose last layer emits logits. */
function wrapHead(model: tfTypes.LayersModel, spec: DenseHeadSpec): TrainableHead {
  const optimizer = tf.train.adam(1e-3);
  const kernels = () => model.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.getWeights()[0] as tfTypes.Tensor);
  const inputDim = spec.inputDim;

  const crossEntropy = (x: Float32Array, y: Int32Array, training: boolean, smoothing: number) => {
    const inputs = tf.tensor2d(x, [y.length, inputDim]);
    const logits = model.apply(inputs, { training }) as tfTypes.Tensor2D;
    const oneHot = tf.oneHot(tf.tensor1d(y, 'int32'), spec.classes);
    return tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, smoothing) as tfTypes.Scalar;
  };

  return {
    spec,
    async trainBatch(x, y, { learningRate, labelSmoothing = 0 }) {
      // Adam keeps its moments across calls; only its step size follows the schedule.
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      nextDropoutMasks(model);
      const loss = optimizer.minimize(() => {
        const ce = crossEntropy(x, y, true, labelSmoothing);
        if (spec.l2 <= 0) return ce;
        const penalty = kernels().reduce((sum, k) => sum.add(k.square().sum()), tf.scalar(0));
        return ce.add(penalty.mul(spec.l2)) as tfTypes.Scalar;
      }, true);
      if (!loss) return NaN;
      const value = (await loss.data())[0] ?? NaN;
      loss.dispose();
      return value;
    },
    async predict(x, count) {
      const probs = tf.tidy(() => tf.softmax(model.apply(tf.tensor2d(x, [count, inputDim]), { training: false }) as tfTypes.Tensor2D));
      try {
        return (await probs.data()) as Float32Array;
      } finally {
        probs.dispose();
      }
    },
    async evaluateLoss(x, y) {
      const loss = tf.tidy(() => crossEntropy(x, y, false, 0));
      try {
        return (await loss.data())[0] ?? NaN;
      } finally {
        loss.dispose();
      }
    },
    getWeights() {
      return model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => a.slice());
    },
    setWeights(weights) {
      const current = model.getWeights();
      const tensors = weights.map((w, i) => tf.tensor(w, current[i]?.shape));
      model.setWeights(tensors);
      tensors.forEach((t) => t.dispose());
    },
    save: () => saveLayersModel(model),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** A Layers model as model.json content plus one weights.bin, the format headstart writes for every Layers model. */
export async function saveLayersModel(model: tfTypes.LayersModel): Promise<SavedHead> {
  let saved: SavedHead | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(0);
      saved = {
        modelJson: {
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: 'headstart',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        },
        weights: bytes.slice(),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error(`tfjs did not hand over the weights of ${model.name}`);
  return saved;
}

/** Loads a Layers model saved by saveLayersModel (model.json content and weights.bin bytes) from memory. */
export function loadSavedLayersModel(saved: SavedHead): Promise<tfTypes.LayersModel> {
  const json = saved.modelJson as { modelTopology: object; weightsManifest: { weights: tfTypes.io.WeightsManifestEntry[] }[] };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const bytes = saved.weights;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    }),
  );
}

export function createDenseHead(spec: DenseHeadSpec): TrainableHead {
  return wrapHead(buildHead(spec), spec);
}

export async function loadDenseHead(saved: SavedHead): Promise<TrainableHead> {
  const model = await loadSavedLayersModel(saved);
  return wrapHead(model, specFromModel(model));
}
