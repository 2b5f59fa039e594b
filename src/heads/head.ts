import type { GraphBuilder } from '../formats/index.js';

/**
 * The classifier kinds headstart trains on feature vectors. 'linear' is softmax regression trained by Adam with early
 * stopping on the validation features; 'logistic' is the same dense layer fitted as a linear probe (multinomial
 * logistic regression to convergence, L2 strength chosen by cross-validation on train + validation together).
 */
export type HeadKind = 'linear' | 'logistic' | 'mlp' | 'knn' | 'prototype';
export const HEAD_KINDS: readonly HeadKind[] = ['linear', 'logistic', 'mlp', 'knn', 'prototype'];

/** A trained classifier on feature vectors. */
export interface Head {
  readonly kind: HeadKind;
  readonly inputDim: number;
  readonly numClasses: number;
  /** Class probabilities for `count` rows of features: count * numClasses values. */
  predict(features: Float32Array, count: number): Promise<Float32Array>;
  /**
   * Appends this head to an ONNX graph after the value `features`; returns the name of the probabilities value.
   * Throws for heads that have no compact graph form (knn).
   */
  appendOnnx(builder: GraphBuilder, features: string): string;
  /** Dense heads (linear, mlp): their weights, [kernel, bias] per layer, kernels [in, out]. Absent for knn and prototype. */
  getWeights?(): Float32Array[];
  /** Writes the head's files (model.json and weights.bin, TF.js formats) into `dir`. */
  save(dir: string): Promise<void>;
  dispose(): void;
}
