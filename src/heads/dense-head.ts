import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine, TrainableHead } from '../engines/index.js';
import { attr } from '../formats/index.js';
import type { Head } from './head.js';

/** A dense head (softmax regression or MLP) held by an engine, seen as a Head. */
export function wrapDenseHead(trainable: TrainableHead): Head {
  const { spec } = trainable;
  return {
    kind: spec.hidden.length === 0 ? 'linear' : 'mlp',
    inputDim: spec.inputDim,
    numClasses: spec.classes,
    predict: (features, count) => trainable.predict(features, count),
    getWeights: () => trainable.getWeights(),
    appendOnnx(builder, features) {
      // getWeights() is [kernel, bias] per dense layer; kernels are [in, out], as Gemm takes B without transB.
      const weights = trainable.getWeights();
      const widths = [...spec.hidden, spec.classes];
      let value = features;
      let inputs = spec.inputDim;
      widths.forEach((units, i) => {
        const kernel = builder.constant(`head_kernel_${i}`, [inputs, units], weights[2 * i] as Float32Array);
        const bias = builder.constant(`head_bias_${i}`, [units], weights[2 * i + 1] as Float32Array);
        value = builder.node('Gemm', [value, kernel, bias], {}, i < widths.length - 1 ? `head_hidden_${i}` : 'logits');
        if (i < widths.length - 1) value = builder.node('Relu', [value]);
        inputs = units;
      });
      return builder.node('Softmax', [value], { axis: attr.int(1) }, 'probabilities');
    },
    async save(dir) {
      const saved = await trainable.save();
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(saved.modelJson));
      await fs.writeFile(path.join(dir, 'weights.bin'), saved.weights);
    },
    dispose: () => trainable.dispose(),
  };
}

/** Per-feature mean and standard deviation of a training set. */
export function featureStats(values: Float32Array, dim: number): { mean: Float32Array; std: Float32Array } {
  const n = values.length / dim;
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) mean[k] = (mean[k] ?? 0) + (values[r * dim + k] ?? 0) / n;
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) std[k] = (std[k] ?? 0) + ((values[r * dim + k] ?? 0) - (mean[k] ?? 0)) ** 2 / n;
  // The floor keeps dead (always-zero) ReLU channels from blowing up.
  for (let k = 0; k < dim; k++) std[k] = Math.sqrt(std[k] ?? 0) + 1e-3;
  return { mean, std };
}

export function standardize(values: Float32Array, dim: number, stats: { mean: Float32Array; std: Float32Array }): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ((values[i] ?? 0) - (stats.mean[i % dim] ?? 0)) / (stats.std[i % dim] ?? 1);
  return out;
}

/**
 * Folds standardisation into the first dense layer (kernel [dim, units], bias [units]), so the saved head takes raw
 * features: W' = W / std, b' = b - sum_k W[k] * mean[k] / std[k].
 */
export function foldStandardization(weights: Float32Array[], dim: number, stats: { mean: Float32Array; std: Float32Array }): Float32Array[] {
  const [kernel, bias, ...rest] = weights;
  if (!kernel || !bias) return weights;
  const units = bias.length;
  const k2 = new Float32Array(kernel.length);
  const b2 = Float32Array.from(bias);
  for (let k = 0; k < dim; k++) {
    const s = stats.std[k] ?? 1;
    const m = stats.mean[k] ?? 0;
    for (let j = 0; j < units; j++) {
      const w = (kernel[k * units + j] ?? 0) / s;
      k2[k * units + j] = w;
      b2[j] = (b2[j] ?? 0) - w * m;
    }
  }
  return [k2, b2, ...rest];
}

/**
 * The inverse of foldStandardization: a first dense layer that takes raw features, rewritten for standardised ones
 * (W = W' * std, b = b' + sum_k W'[k] * mean[k]), so training can continue from a saved head.
 */
export function unfoldStandardization(weights: Float32Array[], dim: number, stats: { mean: Float32Array; std: Float32Array }): Float32Array[] {
  const [kernel, bias, ...rest] = weights;
  if (!kernel || !bias) return weights;
  const units = bias.length;
  const k2 = new Float32Array(kernel.length);
  const b2 = Float32Array.from(bias);
  for (let k = 0; k < dim; k++) {
    for (let j = 0; j < units; j++) {
      const w = kernel[k * units + j] ?? 0;
      k2[k * units + j] = w * (stats.std[k] ?? 1);
      b2[j] = (b2[j] ?? 0) + w * (stats.mean[k] ?? 0);
    }
  }
  return [k2, b2, ...rest];
}

/** A linear softmax head with given weights (kernel [inputDim, classes] row-major, bias [classes]): a classifier solved in closed form. */
export async function createLinearHead(kernel: Float32Array, bias: Float32Array, engine: Engine): Promise<Head> {
  const classes = bias.length;
  const trainable = await engine.createHead({ inputDim: kernel.length / classes, classes, hidden: [], dropout: 0, l2: 0, seed: 0 });
  trainable.setWeights([kernel, bias]);
  return wrapDenseHead(trainable);
}
