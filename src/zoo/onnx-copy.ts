import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, sha256, writeFileAtomic } from '../core/index.js';
import type { ModelFiles, Pooling } from '../engines/index.js';
import { GraphBuilder, addGraphOutputs, attr, convertLayersToOnnx, decodeOnnxModel, encodeOnnxModel } from '../formats/index.js';
import type { OnnxModel } from '../formats/index.js';

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

/**
 * A backbone as an ONNX model whose graph ends in `features` (cut and pooled as the extractor does), ready for a
 * head to be appended. TF.js graph models have no converter yet.
 */
export async function backboneAsOnnx(files: ModelFiles, cut: string, pooling: Pooling): Promise<{ model: OnnxModel; features: string }> {
  if (files.format === 'tfjs-graph') {
    throw new HeadstartError('HS_INVALID_OPTION', `${files.path} is a TF.js graph model, which headstart cannot convert to ONNX yet. Train on a TF.js Layers, ONNX or TFLite backbone to export.`);
  }
  const source = files.format === 'tfjs-layers' ? await onnxCopyOfLayers(files, cut, pooling) : files;
  const bytes = await fs.readFile(source.path);
  const target = files.format === 'tfjs-layers' ? 'features' : cut;
  const declared = decodeOnnxModel(bytes, source.path).graph.outputs.find((o) => o.name === target);
  const model = decodeOnnxModel(declared ? bytes : addGraphOutputs(bytes, [target], source.path), source.path);
  if (declared?.shape?.length === 2) return { model, features: target };
  // A rank-4 value in an ONNX graph is NCHW: pool over H and W as the onnxruntime extractor does.
  const b = GraphBuilder.extending(model.graph);
  const pooled = pooling === 'flatten' ? target : b.node(pooling === 'avg' ? 'GlobalAveragePool' : 'GlobalMaxPool', [target]);
  const features = b.node('Flatten', [pooled], { axis: attr.int(1) }, 'backbone_features');
  return { model: { ...model, graph: b.build() }, features };
}
