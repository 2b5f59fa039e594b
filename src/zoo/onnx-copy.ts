import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256, writeFileAtomic } from '../core/index.js';
import type { ModelFiles, Pooling } from '../engines/index.js';
import { convertLayersToOnnx, encodeOnnxModel } from '../formats/index.js';

/**
 * The ONNX twin of a TF.js Layers backbone cut at `cut` with `pooling`, converted once and kept beside the model
 * (onnx/<hash>.onnx), so an onnxruntime engine runs bundled Keras models at its own speed. Its single output,
 * `features`, is already pooled.
 */
export async function onnxCopyOfLayers(files: ModelFiles, cut: string, pooling: Pooling): Promise<ModelFiles> {
  const dir = path.join(path.dirname(files.path), 'onnx');
  const target = path.join(dir, `${sha256(JSON.stringify({ cut, pooling })).slice(0, 16)}.onnx`);
  const exists = await fs.stat(target).then(() => true, () => false);
  if (!exists) {
    const modelJson = JSON.parse(await fs.readFile(files.path, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const shards = await Promise.all(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(path.dirname(files.path), p))));
    const onnx = convertLayersToOnnx(modelJson, Buffer.concat(shards), { cut, pooling, where: files.path });
    await writeFileAtomic(target, encodeOnnxModel(onnx));
  }
  return { format: 'onnx', path: target };
}
