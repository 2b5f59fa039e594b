import { promises as fs } from 'node:fs';
import { HeadstartError } from '../../core/index.js';
import type { Engine, ExtractorOptions, FeatureExtractor, ModelFiles } from '../engine.js';
import { initWasmBackend, tf } from './backend.js';
import { loadGraphExtractor, loadLayersExtractor } from './extractor.js';
import { createDenseHead, loadDenseHead } from './head.js';
import { readModelArtifacts } from './model-files.js';
import { createTrainableTop, loadTrainableTop } from './trainable-top.js';

interface GraphNode {
  name: string;
  op: string;
}

/** TF.js cannot run .onnx files: say which engine can, rather than failing inside a JSON parser. */
function rejectOnnx(files: ModelFiles): void {
  if (files.format !== 'onnx') return;
  throw new HeadstartError(
    'HS_INVALID_OPTION',
    `The tfjs-wasm engine cannot run the ONNX model ${files.path}. Pass engine: createEngine({ kind: 'onnx' }), ` +
      'which runs .onnx files with onnxruntime and everything else with tfjs.',
  );
}

/** TF.js on its wasm backend: runs frozen backbones, trains dense heads and trainable tops, single-threaded. */
export class TfjsEngine implements Engine {
  readonly name = 'tfjs-wasm';
  readonly nativeFormats = ['tfjs-layers', 'tfjs-graph'] as const;

  async listLayers(files: ModelFiles) {
    rejectOnnx(files);
    await initWasmBackend();
    if (files.format === 'tfjs-graph') {
      const json = JSON.parse(await fs.readFile(files.path, 'utf8')) as { modelTopology?: { node?: GraphNode[] } };
      return (json.modelTopology?.node ?? []).filter((n) => n.op !== 'Const').map((n) => ({ name: n.name, className: n.op, shape: [] }));
    }
    const model = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(files)));
    try {
      return model.layers.map((l) => {
        const shape = l.outputShape;
        const first = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
        return { name: l.name, className: l.getClassName(), shape: first };
      });
    } finally {
      model.dispose();
    }
  }

  async loadExtractor(files: ModelFiles, options: ExtractorOptions): Promise<FeatureExtractor> {
    rejectOnnx(files);
    await initWasmBackend();
    try {
      return files.format === 'tfjs-graph' ? await loadGraphExtractor(files, options) : await loadLayersExtractor(files, options);
    } catch (err) {
      if (err instanceof HeadstartError) throw err;
      throw new HeadstartError('HS_ENGINE_FAILED', `tfjs-wasm could not load ${files.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async createHead(spec: Parameters<Engine['createHead']>[0]) {
    await initWasmBackend();
    return createDenseHead(spec);
  }

  async loadHead(saved: Parameters<Engine['loadHead']>[0]) {
    await initWasmBackend();
    return loadDenseHead(saved);
  }

  async createTop(spec: Parameters<Engine['createTop']>[0]) {
    await initWasmBackend();
    try {
      return await createTrainableTop(spec);
    } catch (err) {
      if (err instanceof HeadstartError) throw err;
      throw new HeadstartError('HS_ENGINE_FAILED', `tfjs-wasm could not build the trainable top: ${(err as Error).message}`, { cause: err });
    }
  }

  async loadTop(saved: Parameters<Engine['loadTop']>[0]) {
    await initWasmBackend();
    return loadTrainableTop(saved);
  }

  /** Nothing to release: models and heads are disposed by their owners, and tfjs's backend is process-wide. */
  async dispose(): Promise<void> {}
}
