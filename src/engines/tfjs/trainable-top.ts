import type * as tfTypes from '@tensorflow/tfjs';
import { HeadstartError } from '../../core/index.js';
import { HEAD_GROUP } from '../engine.js';
import type { LayersArtifacts, ModelFiles, ParameterGroup, Pooling, SavedHead, TopSpec, TopState, TopStepOptions, TrainableTop } from '../engine.js';
import { tf } from './backend.js';
import { buildHead, dropoutSeeds, loadSavedLayersModel, nextDropoutMasks, saveLayersModel, setDropoutSeeds, specFromModel } from './head.js';
import { readModelArtifacts } from './model-files.js';

type Layer = tfTypes.layers.Layer;
type LayersModel = tfTypes.LayersModel;

/** Images per forward pass when predicting or scoring: bounds the wasm heap, whatever the set's size. */
const INFERENCE_CHUNK = 32;
const isBatchNorm = (layer: Layer): boolean => layer.getClassName() === 'BatchNormalization';
const isKernel = (v: tfTypes.Variable): boolean => /kernel(_\d+)?$/.test(v.name);

function isArtifacts(model: ModelFiles | LayersArtifacts): model is LayersArtifacts {
  return 'modelJson' in model;
}

async function loadSource(model: ModelFiles | LayersArtifacts): Promise<LayersModel> {
  if (isArtifacts(model)) return loadSavedLayersModel(model);
  if (model.format !== 'tfjs-layers') {
    throw new HeadstartError(
      'HS_INVALID_OPTION',
      `A trainable top is built from a TF.js Layers model; ${model.path} is '${model.format}'. Convert its top to Layers first, or pick a Layers backbone.`,
    );
  }
  return tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(model)));
}

/** Names of the layers whose outputs a layer reads (its first call: headstart's models call each layer once). */
function inboundNames(layer: Layer): string[] {
  return layer.inboundNodes[0]?.inboundLayers.map((l) => l.name) ?? [];
}

function poolingLayer(pooling: Pooling): Layer {
  if (pooling === 'avg') return tf.layers.globalAveragePooling2d({ name: 'top_pool' });
  if (pooling === 'max') return tf.layers.globalMaxPooling2d({ name: 'top_pool' });
  return tf.layers.flatten({ name: 'top_pool' });
}

/**
 * The layers from `input`'s output to `output` as their own model on a new input, pooled, written to artifacts so
 * the result owns its weights (the source model is disposed).
 */
async function cutTop(source: LayersModel, spec: TopSpec, where: string): Promise<SavedHead> {
  const byName = new Map(source.layers.map((l) => [l.name, l]));
  const find = (name: string, what: string): Layer => {
    const layer = byName.get(name);
    if (!layer) {
      throw new HeadstartError('HS_LAYER_NOT_FOUND', `The ${what} layer '${name}' is not in ${where}. Run 'headstart zoo layers <id>' to list its layers.`);
    }
    return layer;
  };
  const start = spec.input !== undefined ? find(spec.input, 'boundary') : (source.inputLayers[0] as Layer);
  const end = spec.output !== undefined ? find(spec.output, 'cut') : (source.outputLayers[0] as Layer);

  // Every layer the cut depends on, down to the boundary; reaching the model's input another way means a connection
  // skips over the boundary, and the top could not be computed from the boundary's output alone.
  const needed = new Set<string>();
  const stack = [end.name];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (name === start.name || needed.has(name)) continue;
    const layer = find(name, 'top');
    const inbound = inboundNames(layer);
    if (inbound.length === 0) {
      throw new HeadstartError(
        'HS_INVALID_OPTION',
        `Cannot split ${where} at '${start.name}': '${end.name}' also reads '${name}' by a path that does not pass through it (a skip connection crosses the split). Split at a block's output.`,
      );
    }
    needed.add(name);
    stack.push(...inbound);
  }
  if (needed.size === 0) throw new HeadstartError('HS_INVALID_OPTION', `The top of ${where} from '${start.name}' to '${end.name}' holds no layers: the cut must lie above the boundary.`);

  const shape = (start.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1);
  if (spec.inputLayout === 'nchw' && shape.length !== 3) {
    throw new HeadstartError('HS_INVALID_OPTION', `inputLayout 'nchw' needs a rank-3 boundary activation; '${start.name}' of ${where} has shape [${shape.join(', ')}].`);
  }
  // An ONNX trunk hands over [c, h, w] maps: the one transpose to the top's NHWC is its first layer, so cached,
  // augmented and predicted activations all pass through it, and the saved top keeps it.
  const [h, w, c] = shape as [number, number, number];
  const input = tf.input({ shape: spec.inputLayout === 'nchw' ? [c, h, w] : shape, name: 'boundary' });
  const nhwc = spec.inputLayout === 'nchw' ? (tf.layers.permute({ dims: [2, 3, 1], name: 'boundary_nchw_to_nhwc' }).apply(input) as tfTypes.SymbolicTensor) : input;
  const values = new Map<string, tfTypes.SymbolicTensor>([[start.name, nhwc]]);
  for (const layer of source.layers) {
    if (!needed.has(layer.name)) continue;
    const args = inboundNames(layer).map((n) => values.get(n) as tfTypes.SymbolicTensor);
    layer.trainable = true;
    values.set(layer.name, layer.apply(args.length === 1 ? (args[0] as tfTypes.SymbolicTensor) : args) as tfTypes.SymbolicTensor);
  }
  const last = values.get(end.name) as tfTypes.SymbolicTensor;
  const pooled = last.shape.length > 2 ? (poolingLayer(spec.pooling).apply(last) as tfTypes.SymbolicTensor) : last;
  const top = tf.model({ inputs: input, outputs: pooled, name: 'top' });
  try {
    return await saveLayersModel(top);
  } finally {
    source.dispose();
  }
}

/** Checks the groups against the top's layers: each layer with weights in exactly one group, nothing unknown. */
function groupOfLayers(top: LayersModel, groups: ParameterGroup[]): Map<string, string> {
  const groupOf = new Map<string, string>();
  const names = new Set(top.layers.map((l) => l.name));
  for (const group of groups) {
    if (group.name === HEAD_GROUP) throw new HeadstartError('HS_INVALID_OPTION', `'${HEAD_GROUP}' names the head's parameter group; give the top's groups other names.`);
    for (const layer of group.layers) {
      if (!names.has(layer)) continue; // a block layer the top does not use (e.g. above the cut)
      if (groupOf.has(layer)) throw new HeadstartError('HS_INVALID_OPTION', `Layer '${layer}' is in parameter groups '${groupOf.get(layer)}' and '${group.name}'.`);
      groupOf.set(layer, group.name);
    }
  }
  const orphans = top.layers.filter((l) => l.weights.length > 0 && !groupOf.has(l.name)).map((l) => l.name);
  if (orphans.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `Top layers in no parameter group: ${orphans.join(', ')}.`);
  return groupOf;
}

/** Adam's running powers of beta1 and beta2 (private in tfjs): part of its state, as they are not recomputable bit for bit. */
interface AdamPowers {
  accBeta1: tfTypes.Variable;
  accBeta2: tfTypes.Variable;
}

function readAll(tensors: tfTypes.Tensor[]): Float32Array[] {
  return tensors.map((t) => (t.dataSync() as Float32Array).slice());
}

/** Wraps a top model (boundary activation in, pooled vector out) and a dense head into a TrainableTop. */
function wrapTop(top: LayersModel, head: LayersModel, groups: ParameterGroup[], batchNorm: TopSpec['batchNorm']): TrainableTop {
  const groupOf = groupOfLayers(top, groups);
  const groupNames = [...groups.map((g) => g.name).filter((g) => [...groupOf.values()].includes(g)), HEAD_GROUP];
  const inputShape = top.inputs[0]?.shape.slice(1).map(Number) ?? [];
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  const featureDim = Number(top.outputs[0]?.shape[1]);
  const classes = specFromModel(head).classes;
  const calls = top.layers.map((layer) => ({ layer, inputs: inboundNames(layer), group: groupOf.get(layer.name) }));
  const outputName = top.outputLayers[0]?.name ?? '';

  const variablesOf = (group: string): tfTypes.Variable[] => {
    const layers = group === HEAD_GROUP ? head.layers : top.layers.filter((l) => groupOf.get(l.name) === group);
    return layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tfTypes.Variable));
  };
  const groupVariables = new Map(groupNames.map((g) => [g, variablesOf(g)]));
  // L2-SP's anchor: the top's weights as they were pretrained.
  const pretrained = new Map<string, tfTypes.Tensor>();
  for (const g of groupNames) if (g !== HEAD_GROUP) for (const v of groupVariables.get(g) ?? []) pretrained.set(v.name, tf.keep(v.clone()));
  let optimizers = new Map(groupNames.map((g) => [g, tf.train.adam(1e-3)]));

  /** The top's forward pass, layer by layer, so each BatchNormalization can run in its own mode. */
  const runTop = (x: tfTypes.Tensor, trainBatchNorm: (group: string | undefined) => boolean): tfTypes.Tensor => {
    const values = new Map<string, tfTypes.Tensor>();
    for (const { layer, inputs, group } of calls) {
      if (inputs.length === 0) {
        values.set(layer.name, x);
        continue;
      }
      const args = inputs.map((n) => values.get(n) as tfTypes.Tensor);
      const training = isBatchNorm(layer) && trainBatchNorm(group);
      values.set(layer.name, layer.apply(args.length === 1 ? (args[0] as tfTypes.Tensor) : args, { training }) as tfTypes.Tensor);
    }
    return values.get(outputName) as tfTypes.Tensor;
  };
  const inference = () => false;
  const batch = (x: Float32Array, count: number) => tf.tensor(x, [count, ...inputShape]);
  const crossEntropy = (logits: tfTypes.Tensor, y: Int32Array, smoothing: number) =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), classes), logits, undefined, smoothing) as tfTypes.Scalar;

  /** Runs `fn` over chunks of `count` rows and concatenates the per-row results. */
  const chunked = async (x: Float32Array, count: number, width: number, fn: (t: tfTypes.Tensor) => tfTypes.Tensor): Promise<Float32Array> => {
    const out = new Float32Array(count * width);
    for (let start = 0; start < count; start += INFERENCE_CHUNK) {
      const n = Math.min(INFERENCE_CHUNK, count - start);
      const result = tf.tidy(() => fn(batch(x.subarray(start * inputSize, (start + n) * inputSize), n)));
      out.set((await result.data()) as Float32Array, start * width);
      result.dispose();
    }
    return out;
  };

  return {
    inputShape,
    featureDim,
    classes,
    groups: groupNames,
    async trainBatch(x, y, options: TopStepOptions) {
      const { learningRates, labelSmoothing = 0, weightDecay = 0, l2sp = 0 } = options;
      const trained = groupNames.filter((g) => (learningRates[g] ?? 0) > 0);
      if (trained.length === 0) throw new HeadstartError('HS_INVALID_OPTION', `No parameter group has a learning rate above 0 (groups: ${groupNames.join(', ')}).`);
      const trainedSet = new Set(trained);
      const variables = trained.flatMap((g) => groupVariables.get(g) ?? []);
      nextDropoutMasks(head);
      const loss = () =>
        tf.tidy(() => {
          const features = runTop(batch(x, y.length), (g) => batchNorm === 'train' && g !== undefined && trainedSet.has(g));
          let total = crossEntropy(head.apply(features, { training: true }) as tfTypes.Tensor, y, labelSmoothing);
          for (const g of trained) {
            for (const v of groupVariables.get(g) ?? []) {
              const anchor = pretrained.get(v.name);
              if (l2sp > 0 && anchor) total = total.add(v.sub(anchor).square().sum().mul(l2sp));
              else if (weightDecay > 0 && isKernel(v) && (l2sp === 0 || g === HEAD_GROUP)) total = total.add(v.square().sum().mul(weightDecay));
            }
          }
          return total;
        });
      const { value, grads } = tf.variableGrads(loss, variables);
      try {
        for (const g of trained) {
          const optimizer = optimizers.get(g) as tfTypes.AdamOptimizer;
          // Adam keeps its moments across calls; only its step size follows the schedule.
          (optimizer as unknown as { learningRate: number }).learningRate = learningRates[g] as number;
          optimizer.applyGradients((groupVariables.get(g) ?? []).map((v) => ({ name: v.name, tensor: grads[v.name] as tfTypes.Tensor })));
        }
        return (await value.data())[0] ?? NaN;
      } finally {
        value.dispose();
        tf.dispose(Object.values(grads));
      }
    },
    predict: (x, count) => chunked(x, count, classes, (t) => tf.softmax(head.apply(runTop(t, inference), { training: false }) as tfTypes.Tensor2D)),
    features: (x, count) => chunked(x, count, featureDim, (t) => runTop(t, inference)),
    async evaluateLoss(x, y) {
      const count = y.length;
      const logits = await chunked(x, count, classes, (t) => head.apply(runTop(t, inference), { training: false }) as tfTypes.Tensor);
      const loss = tf.tidy(() => crossEntropy(tf.tensor2d(logits, [count, classes]), y, 0));
      try {
        return (await loss.data())[0] ?? NaN;
      } finally {
        loss.dispose();
      }
    },
    getWeights: () => [...readAll(top.getWeights()), ...readAll(head.getWeights())],
    setWeights(weights) {
      const current = [...top.getWeights(), ...head.getWeights()];
      if (weights.length !== current.length) throw new HeadstartError('HS_MODEL_INVALID', `Expected ${current.length} weight arrays for this top and head, got ${weights.length}.`);
      const tensors = weights.map((w, i) => tf.tensor(w, current[i]?.shape));
      const split = top.getWeights().length;
      top.setWeights(tensors.slice(0, split));
      head.setWeights(tensors.slice(split));
      tf.dispose(tensors);
    },
    setHeadWeights(weights) {
      const current = head.getWeights();
      const tensors = weights.map((w, i) => tf.tensor(w, current[i]?.shape));
      head.setWeights(tensors);
      tf.dispose(tensors);
    },
    async getState() {
      const state: TopState = { weights: this.getWeights(), optimizers: {}, dropoutSeeds: dropoutSeeds(head) };
      for (const [g, optimizer] of optimizers) {
        const [iterations, ...moments] = await optimizer.getWeights();
        const { accBeta1, accBeta2 } = optimizer as unknown as AdamPowers;
        // The step count and Adam's running powers of beta exactly as they are: recomputing beta^t on resume (as
        // tfjs's setWeights does) differs in the last bits from the product the optimiser accumulated.
        const step = Float32Array.of((await iterations?.tensor.data())?.[0] ?? 0, accBeta1.dataSync()[0] ?? NaN, accBeta2.dataSync()[0] ?? NaN);
        state.optimizers[g] = [step, ...(await Promise.all(moments.map(async (w) => ((await w.tensor.data()) as Float32Array).slice())))];
      }
      return state;
    },
    async setState(state) {
      this.setWeights(state.weights);
      setDropoutSeeds(head, state.dropoutSeeds);
      optimizers.forEach((o) => o.dispose());
      optimizers = new Map(groupNames.map((g) => [g, tf.train.adam(1e-3)]));
      for (const [g, arrays] of Object.entries(state.optimizers)) {
        const optimizer = optimizers.get(g);
        const vars = groupVariables.get(g) ?? [];
        if (!optimizer || arrays.length <= 1) continue; // never stepped: nothing to restore
        if (arrays.length !== 1 + 2 * vars.length || arrays[0]?.length !== 3) {
          throw new HeadstartError('HS_MODEL_INVALID', `The saved optimiser state of group '${g}' does not match its ${vars.length} weights.`);
        }
        const [iterations, beta1Power, beta2Power] = arrays[0];
        // Adam keeps [iterations, first moments..., second moments...] in the order its variables were first stepped.
        const shapes = vars.map((v) => v.shape);
        const moments = arrays.slice(1).map((a, i) => ({ name: `state_${i + 1}`, tensor: tf.tensor(a, shapes[i % vars.length]) }));
        const step = tf.scalar(iterations as number, 'int32');
        await optimizer.setWeights([{ name: 'iter', tensor: step }, ...moments]);
        tf.dispose([step, ...moments.map((m) => m.tensor)]);
        const powers = optimizer as unknown as AdamPowers;
        powers.accBeta1.assign(tf.scalar(beta1Power as number));
        powers.accBeta2.assign(tf.scalar(beta2Power as number));
      }
    },
    async save() {
      return { top: await saveLayersModel(top), head: await saveLayersModel(head) };
    },
    dispose() {
      optimizers.forEach((o) => o.dispose());
      tf.dispose([...pretrained.values()]);
      top.dispose();
      head.dispose();
    },
  };
}

export async function createTrainableTop(spec: TopSpec): Promise<TrainableTop> {
  const where = isArtifacts(spec.model) ? 'the top model' : spec.model.path;
  const source = await loadSource(spec.model);
  const top = await loadSavedLayersModel(await cutTop(source, spec, where));
  const featureDim = Number(top.outputs[0]?.shape[1]);
  const head = buildHead({ ...spec.head, inputDim: featureDim });
  return wrapTop(top, head, spec.groups, spec.batchNorm);
}

export async function loadTrainableTop(saved: { top: LayersArtifacts; head: SavedHead }): Promise<TrainableTop> {
  const top = await loadSavedLayersModel(saved.top);
  const head = await loadSavedLayersModel(saved.head);
  const withWeights = top.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
  return wrapTop(top, head, [{ name: 'top', layers: withWeights }], 'frozen');
}
