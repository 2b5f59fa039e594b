import type * as tfTypes from '@tensorflow/tfjs';
import { initWasmBackend, tf } from './backend.js';

/**
 * A small network for domain adaptation on feature vectors: a dense adapter (optionally batch-normalised, then ReLU),
 * a softmax label head on the adapter's output, and a domain classifier (dense, ReLU, one logit) that reads the
 * adapter's output through a gradient-reversal layer.
 */
export interface FeatureAdapterSpec {
  inputDim: number;
  classes: number;
  /** Width of the adapter's dense layer. */
  hidden: number;
  /**
   * BatchNormalization after the adapter's dense layer. In training each domain's batch is normalised with its own
   * statistics; at inference the statistics set by `setBatchNormStatistics` apply (AdaBN swaps them per domain).
   */
  batchNorm: boolean;
  /** Hidden width of the domain classifier. */
  domainHidden: number;
  /** L2 penalty on the adapter's and the label head's kernels. */
  l2: number;
  seed: number;
}

/**
 * 'none': cross-entropy on the source only. 'dann': plus the domain classifier's cross-entropy, whose gradient reaches
 * the adapter reversed and scaled by the weight (Ganin & Lempitsky 2015). 'coral': plus the weight times the CORAL
 * loss between the source and target batch covariances of the adapter's output (Sun & Saenko 2016).
 */
export type AlignmentLoss = 'none' | 'dann' | 'coral';
export const ALIGNMENT_LOSSES: readonly AlignmentLoss[] = ['none', 'dann', 'coral'];

export interface AdapterStepOptions {
  learningRate: number;
  alignment: AlignmentLoss;
  /** DANN: the gradient-reversal factor lambda; CORAL: the weight of the CORAL loss. Ignored for 'none'. */
  alignmentWeight: number;
}

export interface AdapterStepResult {
  /** Cross-entropy of the source batch. */
  classLoss: number;
  /** The alignment loss of the step (domain cross-entropy or CORAL loss); 0 for 'none'. */
  alignmentLoss: number;
  /** Share of the step's source and target rows the domain classifier put on the right side ('dann' only). */
  domainAccuracy?: number;
}

/** Per-unit mean and variance of the adapter's dense output, before BatchNormalization. */
export interface BatchNormStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

/** A feature adapter held by the engine; the loop (batches, schedules, selection) lives outside, in adapt/. */
export interface TrainableFeatureAdapter {
  readonly spec: FeatureAdapterSpec;
  /** One Adam step on a source batch (labelled) and a target batch (unlabelled; unused for 'none'). */
  trainStep(sourceX: Float32Array, sourceY: Int32Array, targetX: Float32Array, options: AdapterStepOptions): Promise<AdapterStepResult>;
  /** Class probabilities, count * classes values, in inference mode. */
  predict(x: Float32Array, count: number): Promise<Float32Array>;
  /** The adapter's output (what the label head reads), count * hidden values, in inference mode. */
  represent(x: Float32Array, count: number): Promise<Float32Array>;
  /** Probability that each row is from the target domain, by the domain classifier. */
  domainProbabilities(x: Float32Array, count: number): Promise<Float32Array>;
  /** Statistics of the adapter's dense output over these rows (AdaBN computes them on one domain's data). */
  batchNormStatistics(x: Float32Array, count: number): Promise<BatchNormStatistics>;
  /** The statistics BatchNormalization uses at inference. Throws without `batchNorm` in the spec. */
  setBatchNormStatistics(statistics: BatchNormStatistics): void;
  /** Every trained value (BatchNorm statistics included), to keep and restore the best epoch. */
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  dispose(): void;
}

const BATCH_NORM_EPSILON = 1e-3;

/** The gradient-reversal layer: identity forwards, gradient times -lambda backwards. */
function reverseGradient(x: tfTypes.Tensor2D, lambda: number): tfTypes.Tensor2D {
  const layer = tf.customGrad((...inputs: (tfTypes.Tensor | tfTypes.GradSaveFunc)[]) => ({
    value: (inputs[0] as tfTypes.Tensor).clone(),
    gradFunc: (dy: tfTypes.Tensor) => dy.mul(tf.scalar(-lambda)),
  }));
  return layer(x) as tfTypes.Tensor2D;
}

/** Deep CORAL loss: |C_s - C_t|_F^2 / (4 d^2) between the batch covariances of two d-column matrices. */
function coralLoss(source: tfTypes.Tensor2D, target: tfTypes.Tensor2D): tfTypes.Scalar {
  const covariance = (m: tfTypes.Tensor2D) => {
    const centred = m.sub(m.mean(0, true));
    return centred.transpose().matMul(centred).div(Math.max(1, m.shape[0] - 1));
  };
  const d = source.shape[1];
  return covariance(source).sub(covariance(target)).square().sum().div(4 * d * d) as tfTypes.Scalar;
}

function glorot(shape: [number, number], seed: number): tfTypes.Variable {
  return tf.variable(tf.initializers.glorotUniform({ seed }).apply(shape) as tfTypes.Tensor);
}

/** Builds a feature adapter on the tfjs wasm backend. */
export async function createFeatureAdapter(spec: FeatureAdapterSpec): Promise<TrainableFeatureAdapter> {
  await initWasmBackend();
  const { inputDim, hidden, classes, domainHidden, seed } = spec;
  // Variables outlive the tidy; the initial tensors they were made from do not.
  const v = tf.tidy(() => ({
    kernel: glorot([inputDim, hidden], seed + 1),
    bias: tf.variable(tf.zeros([hidden]), true),
    gamma: tf.variable(tf.ones([hidden]), spec.batchNorm),
    beta: tf.variable(tf.zeros([hidden]), spec.batchNorm),
    movingMean: tf.variable(tf.zeros([hidden]), false),
    movingVariance: tf.variable(tf.ones([hidden]), false),
    headKernel: glorot([hidden, classes], seed + 2),
    headBias: tf.variable(tf.zeros([classes]), true),
    domainKernel: glorot([hidden, domainHidden], seed + 3),
    domainBias: tf.variable(tf.zeros([domainHidden]), true),
    domainOutKernel: glorot([domainHidden, 1], seed + 4),
    domainOutBias: tf.variable(tf.zeros([1]), true),
  }));
  const all = Object.values(v);
  const classifierVars = [v.kernel, v.bias, ...(spec.batchNorm ? [v.gamma, v.beta] : []), v.headKernel, v.headBias];
  const domainVars = [v.domainKernel, v.domainBias, v.domainOutKernel, v.domainOutBias];
  const optimizer = tf.train.adam(1e-3);

  const dense = (x: tfTypes.Tensor2D) => x.matMul(v.kernel).add(v.bias) as tfTypes.Tensor2D;
  /** The adapter's output; `training` normalises with the batch's own statistics. */
  const adapt = (x: tfTypes.Tensor2D, training: boolean): tfTypes.Tensor2D => {
    let z = dense(x);
    if (spec.batchNorm) {
      const { mean, variance } = training ? tf.moments(z, 0) : { mean: v.movingMean, variance: v.movingVariance };
      z = z.sub(mean).div(variance.add(BATCH_NORM_EPSILON).sqrt()).mul(v.gamma).add(v.beta);
    }
    return z.relu();
  };
  const logits = (f: tfTypes.Tensor2D) => f.matMul(v.headKernel).add(v.headBias) as tfTypes.Tensor2D;
  const domainLogits = (f: tfTypes.Tensor2D) => f.matMul(v.domainKernel).add(v.domainBias).relu().matMul(v.domainOutKernel).add(v.domainOutBias) as tfTypes.Tensor2D;
  const input = (x: Float32Array, count: number) => tf.tensor2d(x, [count, inputDim]);
  const read = async (t: tfTypes.Tensor): Promise<Float32Array> => {
    try {
      return (await t.data()) as Float32Array;
    } finally {
      t.dispose();
    }
  };

  return {
    spec,
    async trainStep(sourceX, sourceY, targetX, { learningRate, alignment, alignmentWeight }) {
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      const ns = sourceY.length;
      const nt = targetX.length / inputDim;
      let parts: tfTypes.Scalar[] = [];
      let domainCorrect: tfTypes.Scalar | undefined;
      const varList = alignment === 'dann' ? [...classifierVars, ...domainVars] : classifierVars;
      const total = optimizer.minimize(() => {
        const fs = adapt(input(sourceX, ns), true);
        const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(sourceY, 'int32'), classes), logits(fs)) as tfTypes.Scalar;
        const penalty = v.kernel.square().sum().add(v.headKernel.square().sum()).mul(spec.l2) as tfTypes.Scalar;
        let align: tfTypes.Scalar = tf.scalar(0);
        if (alignment !== 'none' && nt > 0) {
          const ft = adapt(input(targetX, nt), true);
          if (alignment === 'coral') {
            const coral = coralLoss(fs, ft);
            align = coral.mul(alignmentWeight) as tfTypes.Scalar;
            parts = [tf.keep(ce.clone()), tf.keep(coral.clone())];
          } else {
            const d = domainLogits(reverseGradient(tf.concat([fs, ft]), alignmentWeight));
            const labels = tf.concat([tf.zeros([ns, 1]), tf.ones([nt, 1])]);
            align = tf.losses.sigmoidCrossEntropy(labels, d) as tfTypes.Scalar;
            parts = [tf.keep(ce.clone()), tf.keep(align.clone())];
            domainCorrect = tf.keep(d.greater(0).cast('float32').equal(labels).cast('float32').mean() as tfTypes.Scalar);
          }
        } else {
          parts = [tf.keep(ce.clone()), tf.keep(tf.scalar(0))];
        }
        return ce.add(penalty).add(align) as tfTypes.Scalar;
      }, true, varList);
      total?.dispose();
      const [classLoss, alignmentLoss] = await Promise.all(parts.map(async (t) => (await read(t))[0] ?? NaN));
      const result: AdapterStepResult = { classLoss: classLoss ?? NaN, alignmentLoss: alignmentLoss ?? NaN };
      if (domainCorrect) result.domainAccuracy = (await read(domainCorrect))[0] ?? NaN;
      return result;
    },
    predict: (x, count) => read(tf.tidy(() => tf.softmax(logits(adapt(input(x, count), false))))),
    represent: (x, count) => read(tf.tidy(() => adapt(input(x, count), false))),
    domainProbabilities: (x, count) => read(tf.tidy(() => tf.sigmoid(domainLogits(adapt(input(x, count), false))).reshape([count]))),
    async batchNormStatistics(x, count) {
      const [mean, variance] = tf.tidy(() => {
        const m = tf.moments(dense(input(x, count)), 0);
        return [m.mean, m.variance];
      });
      return { mean: await read(mean as tfTypes.Tensor), variance: await read(variance as tfTypes.Tensor) };
    },
    setBatchNormStatistics({ mean, variance }) {
      if (!spec.batchNorm) throw new Error('This feature adapter has no BatchNormalization layer; create it with batchNorm: true.');
      tf.tidy(() => {
        v.movingMean.assign(tf.tensor1d(mean));
        v.movingVariance.assign(tf.tensor1d(variance));
      });
    },
    getWeights: () => all.map((w) => (w.dataSync() as Float32Array).slice()),
    setWeights(weights) {
      all.forEach((w, i) => {
        const t = tf.tensor(weights[i] as Float32Array, w.shape);
        w.assign(t);
        t.dispose();
      });
    },
    dispose() {
      optimizer.dispose();
      all.forEach((w) => w.dispose());
    },
  };
}
