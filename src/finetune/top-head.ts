import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine, LayersArtifacts, TrainableTop } from '../engines/index.js';
import { loadLayersHead, readHeadFiles } from '../heads/index.js';
import type { Head } from '../heads/index.js';

/** Where a fine-tuned head keeps its top, inside the head folder. */
export const TOP_FOLDER = 'top';

async function writeLayers(dir: string, saved: LayersArtifacts): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(saved.modelJson));
  await fs.writeFile(path.join(dir, 'weights.bin'), saved.weights);
}

/**
 * A fine-tuned top seen as a Head: its input is the frozen trunk's boundary activation (flattened NHWC), so a model
 * directory runs trunk (any engine) then top and head (tfjs) through the same predict path as a head on features.
 */
export function wrapTopHead(top: TrainableTop): Head {
  return {
    kind: 'linear',
    inputDim: top.inputShape.reduce((a, b) => a * b, 1),
    numClasses: top.classes,
    predict: (x, count) => top.predict(x, count),
    appendOnnx() {
      throw new HeadstartError(
        'HS_INVALID_OPTION',
        'Exporting a fine-tuned model (strategy finetune) is not supported yet: its top blocks are a TF.js Layers model that headstart does not join to the ONNX trunk. ' +
          "Use it with 'headstart predict', or train with --strategy features to export.",
      );
    },
    /** The head as model.json + weights.bin (the dense layers), its top Layers model in top/. */
    async save(dir) {
      const saved = await top.save();
      await writeLayers(dir, saved.head);
      await writeLayers(path.join(dir, TOP_FOLDER), saved.top);
    },
    dispose: () => top.dispose(),
  };
}

/** True when a head folder holds a fine-tuned top. */
export async function hasTop(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, TOP_FOLDER, 'model.json')).then(() => true, () => false);
}

/** Loads a head folder written by a fine-tuned head's `save`. */
export async function loadTopHead(dir: string, options: { engine?: Engine } = {}): Promise<Head> {
  const engine = options.engine ?? createEngine();
  const [topFiles, headFiles] = await Promise.all([readHeadFiles(path.join(dir, TOP_FOLDER)), readHeadFiles(dir)]);
  const top = await loadLayersHead(topFiles, (saved) => engine.loadTop({ top: saved, head: { modelJson: headFiles.modelJson, weights: headFiles.weights } }));
  return wrapTopHead(top);
}
