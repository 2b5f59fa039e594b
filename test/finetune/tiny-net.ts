import * as tf from '@tensorflow/tfjs';
import type { FeatureSet, LayersArtifacts } from '../../src/index.js';

// A tiny two-block conv net, made here: block 1 is conv-BN-relu on [4, 4, 3], block 2 the same on its output.
export async function tinyNet(): Promise<LayersArtifacts> {
  const input = tf.input({ shape: [4, 4, 3], name: 'pixels' });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x);
  x = tf.layers.reLU({ name: 'r1' }).apply(x);
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'c2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x);
  x = tf.layers.batchNormalization({ name: 'bn2' }).apply(x);
  x = tf.layers.reLU({ name: 'r2' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x });
  let saved: LayersArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = { modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }, weights: new Uint8Array(a.weightData as ArrayBuffer).slice() };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  return saved as LayersArtifacts;
}

export const LAYERS = ['pixels', 'c1', 'bn1', 'r1', 'c2', 'bn2', 'r2'];
/** Boundary activations ([4, 4, 8] per row) whose class is set by the sign of channel 0's mean. */
export function toyData(n: number, seed: number): FeatureSet {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values = new Float32Array(n * 128);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    labels[r] = r % 2;
    for (let i = 0; i < 128; i++) values[r * 128 + i] = rnd() + (i % 8 === 0 ? (labels[r] ?? 0) * 1.5 : 0);
  }
  return { values, dim: 128, labels, files: Array.from({ length: n }, (_, i) => `f${i}`), classes: ['a', 'b'] };
}
