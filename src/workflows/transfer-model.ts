import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { Engine } from '../engines/index.js';
import { loadHead } from '../heads/index.js';
import type { Head } from '../heads/index.js';
import { defaultHome, installBackbone, loadBackbone, readBackboneFolder } from '../zoo/index.js';
import type { Backbone } from '../zoo/index.js';
import { parseModelManifest } from './model-manifest.js';
import type { ModelManifest } from './model-manifest.js';

export const MANIFEST_FILE = 'headstart.json';

/** A trained model directory, loaded: frozen backbone plus head, ready to classify. */
export interface TransferModel {
  dir: string;
  manifest: ModelManifest;
  backbone: Backbone;
  head: Head;
  dispose(): void;
}

export interface LoadModelOptions {
  /** @default ~/.cache/headstart */
  home?: string;
  engine?: Engine;
  onProgress?: ProgressCallback;
}

/** Loads a model directory written by `train`. Its backbone comes from the zoo, or from the copy inside the directory. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<TransferModel> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new HeadstartError(
      missing ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID',
      missing ? `${dir} is not a headstart model directory: ${MANIFEST_FILE} is missing. Pass the --out folder of 'headstart train'.` : `Cannot parse ${manifestPath}: ${(err as Error).message}.`,
      { cause: err },
    );
  }
  const manifest = parseModelManifest(raw, manifestPath);
  const ref = manifest.backbone;
  const installed =
    ref.location === 'included'
      ? await readBackboneFolder(path.join(dir, 'backbone'))
      : await installBackbone(ref.id, { home: options.home ?? defaultHome(), onProgress: options.onProgress });
  if (installed.weightsSha256 !== ref.weightsSha256) {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `The backbone '${ref.id}' on this machine (weights sha256 ${installed.weightsSha256.slice(0, 12)}…) is not the one ${dir} was trained on ` +
        `(${ref.weightsSha256.slice(0, 12)}…). Its features would not match the head: retrain the model, or install the backbone version it names.`,
    );
  }
  const backbone = await loadBackbone(installed, { cut: ref.cut, pooling: ref.pooling, input: manifest.input, engine: options.engine });
  try {
    const head = await loadHead(path.join(dir, 'head'), { engine: backbone.engine });
    return {
      dir,
      manifest,
      backbone,
      head,
      dispose() {
        head.dispose();
        backbone.dispose();
      },
    };
  } catch (err) {
    backbone.dispose();
    throw err;
  }
}
