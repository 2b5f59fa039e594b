import { HeadstartError } from '../core/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine } from '../engines/index.js';
import { wrapDenseHead } from './dense-head.js';
import type { Head } from './head.js';
import { createKnnHead, createPrototypeHead } from './similarity-heads.js';
import { readHeadFiles, weightArrays } from './weights-file.js';
import type { HeadFiles } from './weights-file.js';

/** An engine's message cut to its first statement: tfjs follows 'Unknown layer: X.' with a list of possible reasons. */
function firstStatement(message: string): string {
  const line = (message.split('\n')[0] ?? message).trim();
  const cut = line.endsWith(':') ? line.lastIndexOf('. ') : -1;
  return (cut > 0 ? line.slice(0, cut) : line).replace(/\.$/, '');
}

/**
 * Builds a Layers model from checked head files in `engine`; what the engine refuses (an unknown layer class, a
 * topology that does not fit its weights) becomes an error naming the file.
 */
export async function loadLayersHead<T>(files: HeadFiles, load: (saved: { modelJson: object; weights: Uint8Array }) => Promise<T>): Promise<T> {
  try {
    return await load({ modelJson: files.modelJson, weights: files.weights });
  } catch (err) {
    if (err instanceof HeadstartError) throw err;
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `Cannot load the head in ${files.jsonPath}: ${firstStatement((err as Error).message)}. Train the model again, or restore the folder from a copy.`,
      { cause: err },
    );
  }
}

function positiveInteger(config: Record<string, unknown>, key: string, jsonPath: string): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot load the head in ${jsonPath}: config.${key} should be a positive integer, found ${JSON.stringify(value)}. Train the model again.`);
  }
  return value;
}

/** Reads a head saved by `Head.save`. */
export async function loadHead(dir: string, options: { engine?: Engine } = {}): Promise<Head> {
  const files = await readHeadFiles(dir);
  const { format, config, jsonPath } = files;
  if (format === 'layers-model') {
    const engine = options.engine ?? createEngine();
    return wrapDenseHead(await loadLayersHead(files, (saved) => engine.loadHead(saved)));
  }
  const arrays = weightArrays(files);
  const dim = () => positiveInteger(config, 'dim', jsonPath);
  const numClasses = () => positiveInteger(config, 'numClasses', jsonPath);
  if (format === 'headstart-knn') {
    const support = arrays.get('support');
    const labels = arrays.get('labels');
    if (support?.data instanceof Float32Array && labels?.data instanceof Int32Array) {
      return createKnnHead(support.data, labels.data, dim(), numClasses(), positiveInteger(config, 'k', jsonPath));
    }
  }
  if (format === 'headstart-prototype') {
    const prototypes = arrays.get('prototypes');
    const temperature = config.temperature;
    if (prototypes?.data instanceof Float32Array && typeof temperature === 'number' && temperature > 0) {
      return createPrototypeHead(prototypes.data, dim(), numClasses(), temperature);
    }
  }
  throw new HeadstartError('HS_MODEL_INVALID', `${jsonPath} is not a head headstart can load (format '${format}', or its arrays are missing). Train the model again.`);
}
