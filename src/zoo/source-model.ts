import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, writeDirAtomic } from '../core/index.js';
import type { Engine, LayersArtifacts, TrainableTop } from '../engines/index.js';

/** The folders of a source model: the network (top) and its classifier (head), each a TF.js Layers model. */
export const SOURCE_MODEL_PARTS = ['top', 'head'] as const;
/** What a source model was trained on and what it reads. */
export const SOURCE_MODEL_INFO_FILE = 'source.json';

/** Where a part's Layers model and its weights sit, relative to the source model folder. */
export function sourceModelPartFiles(part: (typeof SOURCE_MODEL_PARTS)[number]): { model: string; weights: string } {
  return { model: path.join(part, 'model.json'), weights: path.join(part, 'weights.bin') };
}

/** Every file of a source model folder, relative to it. */
export const SOURCE_MODEL_FILES: readonly string[] = [...SOURCE_MODEL_PARTS.flatMap((part) => Object.values(sourceModelPartFiles(part))), SOURCE_MODEL_INFO_FILE];

/**
 * Writes a trained network with its head (TrainableTop.save) into `dir` atomically, with `about` (what it was
 * trained on, its feature spec) in source.json; {@link loadSourceModel} reads it back.
 */
export async function saveSourceModel(dir: string, top: TrainableTop, about: object): Promise<void> {
  const saved = await top.save();
  await writeDirAtomic(dir, async (tmp) => {
    for (const part of SOURCE_MODEL_PARTS) {
      const files = sourceModelPartFiles(part);
      await fs.mkdir(path.join(tmp, part));
      await fs.writeFile(path.join(tmp, files.model), JSON.stringify(saved[part].modelJson));
      await fs.writeFile(path.join(tmp, files.weights), saved[part].weights);
    }
    await fs.writeFile(path.join(tmp, SOURCE_MODEL_INFO_FILE), `${JSON.stringify(about, null, 2)}\n`);
  });
}

/** The `about` record of a model folder written by {@link saveSourceModel}, or undefined when there is none. */
export async function readSourceModelInfo<T>(dir: string): Promise<T | undefined> {
  return fs.readFile(path.join(dir, SOURCE_MODEL_INFO_FILE), 'utf8').then((t) => JSON.parse(t) as T, () => undefined);
}

/** A fresh trainable copy of a model saved by {@link saveSourceModel} (its network is one parameter group). */
export async function loadSourceModel(dir: string, engine: Engine): Promise<TrainableTop> {
  const read = async (part: (typeof SOURCE_MODEL_PARTS)[number]): Promise<LayersArtifacts> => {
    const files = sourceModelPartFiles(part);
    const json = path.join(dir, files.model);
    try {
      return { modelJson: JSON.parse(await fs.readFile(json, 'utf8')) as object, weights: await fs.readFile(path.join(dir, files.weights)) };
    } catch (err) {
      throw new HeadstartError('HS_MODEL_INVALID', `Cannot read ${json} or its weights.bin: ${(err as Error).message}. Delete ${dir} and train it again.`, { cause: err });
    }
  };
  return engine.loadTop({ top: await read('top'), head: await read('head') });
}
