import { HeadstartError } from '../core/index.js';
import { attr } from '../formats/index.js';
import type { Head } from './head.js';
import { writeWeightsFile } from './weights-file.js';

/** Rows scaled to unit length (zero rows stay zero). */
export function normalizedRows(values: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r * dim < values.length; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += (values[r * dim + k] ?? 0) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k++) out[r * dim + k] = (values[r * dim + k] ?? 0) * scale;
  }
  return out;
}

/** Cosine similarity of every query row with every reference row (both already unit length). */
function cosineMatrix(queries: Float32Array, count: number, refs: Float32Array, refCount: number, dim: number): Float32Array {
  const sims = new Float32Array(count * refCount);
  for (let q = 0; q < count; q++) {
    for (let r = 0; r < refCount; r++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += (queries[q * dim + k] ?? 0) * (refs[r * dim + k] ?? 0);
      sims[q * refCount + r] = dot;
    }
  }
  return sims;
}

/** k nearest neighbours by cosine similarity; a class's probability is its share of the k votes. */
export function createKnnHead(support: Float32Array, labels: Int32Array, dim: number, numClasses: number, k: number): Head {
  const refs = normalizedRows(support, dim);
  const n = labels.length;
  const kk = Math.min(k, n);
  return {
    kind: 'knn',
    inputDim: dim,
    numClasses,
    async predict(features, count) {
      const sims = cosineMatrix(normalizedRows(features, dim), count, refs, n, dim);
      const probs = new Float32Array(count * numClasses);
      for (let q = 0; q < count; q++) {
        const row = Array.from(sims.subarray(q * n, (q + 1) * n), (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
        for (let j = 0; j < kk; j++) {
          const cell = q * numClasses + (labels[row[j]?.[1] ?? 0] ?? 0);
          probs[cell] = (probs[cell] ?? 0) + 1 / kk;
        }
      }
      return probs;
    },
    appendOnnx() {
      throw new HeadstartError('HS_INVALID_OPTION', 'A knn head has no compact ONNX form (it keeps every training vector). Export a linear, mlp or prototype head.');
    },
    async save(dir) {
      await writeWeightsFile(dir, 'headstart-knn', { k, dim, numClasses, metric: 'cosine' }, [
        { name: 'support', shape: [n, dim], data: support },
        { name: 'labels', shape: [n], data: labels },
      ]);
    },
    dispose() {},
  };
}

/**
 * Nearest class mean by cosine similarity (the "weight imprinting" classifier): prototypes are the means of the
 * unit-length features of each class; probabilities are a softmax of scaled similarities.
 */
export function createPrototypeHead(prototypes: Float32Array, dim: number, numClasses: number, temperature: number): Head {
  const refs = normalizedRows(prototypes, dim);
  return {
    kind: 'prototype',
    inputDim: dim,
    numClasses,
    async predict(features, count) {
      const sims = cosineMatrix(normalizedRows(features, dim), count, refs, numClasses, dim);
      const probs = new Float32Array(count * numClasses);
      for (let q = 0; q < count; q++) {
        const row = sims.subarray(q * numClasses, (q + 1) * numClasses);
        const max = Math.max(...row);
        let sum = 0;
        for (let c = 0; c < numClasses; c++) sum += Math.exp(((row[c] ?? 0) - max) / temperature);
        for (let c = 0; c < numClasses; c++) probs[q * numClasses + c] = Math.exp(((row[c] ?? 0) - max) / temperature) / sum;
      }
      return probs;
    },
    appendOnnx(builder, features) {
      // softmax(cos(x, p_c) / T): unit-length x against unit-length prototypes, as predict() computes it.
      const norm = builder.node('ReduceL2', [features], { axes: attr.ints([1]), keepdims: attr.int(1) }, 'feature_norm');
      const unit = builder.node('Div', [features, norm], {}, 'unit_features');
      const transposed = new Float32Array(dim * numClasses);
      for (let c = 0; c < numClasses; c++) for (let k = 0; k < dim; k++) transposed[k * numClasses + c] = refs[c * dim + k] ?? 0;
      const sims = builder.node('MatMul', [unit, builder.constant('prototypes_t', [dim, numClasses], transposed)], {}, 'similarities');
      const scaled = builder.node('Div', [sims, builder.constant('temperature', [], Float32Array.of(temperature))], {}, 'logits');
      return builder.node('Softmax', [scaled], { axis: attr.int(1) }, 'probabilities');
    },
    async save(dir) {
      await writeWeightsFile(dir, 'headstart-prototype', { dim, numClasses, temperature, metric: 'cosine' }, [
        { name: 'prototypes', shape: [numClasses, dim], data: prototypes },
      ]);
    },
    dispose() {},
  };
}

/** Means of the unit-length feature rows of each class. */
export function classPrototypes(values: Float32Array, labels: Int32Array, dim: number, numClasses: number): Float32Array {
  const unit = normalizedRows(values, dim);
  const sums = new Float32Array(numClasses * dim);
  const counts = new Array<number>(numClasses).fill(0);
  labels.forEach((label, r) => {
    counts[label] = (counts[label] ?? 0) + 1;
    for (let k = 0; k < dim; k++) sums[label * dim + k] = (sums[label * dim + k] ?? 0) + (unit[r * dim + k] ?? 0);
  });
  for (let c = 0; c < numClasses; c++) for (let k = 0; k < dim; k++) sums[c * dim + k] = (sums[c * dim + k] ?? 0) / Math.max(1, counts[c] ?? 0);
  return sums;
}
