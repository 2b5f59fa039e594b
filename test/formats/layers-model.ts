import { promises as fs } from 'node:fs';
import { initWasmBackend, tf } from '../../src/engines/tfjs/backend.js';
import { decodeImage, listImageFolder } from '../../src/index.js';
import type { InputSpec } from '../../src/index.js';

/** Loads a Layers model the way a browser would: model.json parsed from its text, weights.bin as one buffer. */
export async function loadLayersModel(modelJsonText: string, weights: Uint8Array): Promise<tf.LayersModel> {
  await initWasmBackend();
  const json = JSON.parse(modelJsonText) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }));
}

/** The model's output on a float32 batch of `shape` ([batch, ...]). */
export async function predictLayers(model: tf.LayersModel, values: Float32Array, shape: number[]): Promise<Float32Array> {
  const input = tf.tensor(values, shape);
  const output = model.predict(input) as tf.Tensor;
  try {
    return (await output.data()) as Float32Array;
  } finally {
    input.dispose();
    output.dispose();
  }
}

/** The largest ||a - b|| / ||b|| over the rows (one image each) of two equally shaped batches. */
export function maxRowRelativeError(a: Float32Array, b: Float32Array, rows: number): number {
  if (a.length !== b.length) throw new Error(`batches differ in size: ${a.length} vs ${b.length}`);
  const dim = b.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let diff = 0;
    let norm = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      diff += ((a[j] as number) - (b[j] as number)) ** 2;
      norm += (b[j] as number) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(diff / norm));
  }
  return worst;
}

/** `count` images spread evenly over a class-per-folder dataset (listed class by class). */
export async function sampleImages(root: string, count: number): Promise<string[]> {
  const { items } = await listImageFolder(root);
  const step = Math.floor(items.length / count);
  return Array.from({ length: count }, (_, i) => (items[i * step] as { path: string }).path);
}

/** Images decoded and preprocessed as `input` says, as one NHWC batch. */
export async function decodeImages(files: string[], input: InputSpec): Promise<Float32Array> {
  const size = input.height * input.width * 3;
  const batch = new Float32Array(files.length * size);
  for (const [i, file] of files.entries()) batch.set(await decodeImage(new Uint8Array(await fs.readFile(file)), file, input), i * size);
  return batch;
}
