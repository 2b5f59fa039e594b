import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine } from '../engines/index.js';
import { wrapDenseHead } from './dense-head.js';
import type { Head } from './head.js';
import { createKnnHead, createPrototypeHead } from './similarity-heads.js';
import { readWeightsFile } from './weights-file.js';

/** Reads a head saved by `Head.save`. */
export async function loadHead(dir: string, options: { engine?: Engine } = {}): Promise<Head> {
  const jsonPath = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(jsonPath, 'utf8').catch((err: unknown) => {
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot read head ${jsonPath}: ${(err as Error).message}.`, { cause: err });
  })) as { format?: string };
  if (json.format === 'layers-model') {
    const engine = options.engine ?? createEngine();
    return wrapDenseHead(await engine.loadHead({ modelJson: json, weights: await fs.readFile(path.join(dir, 'weights.bin')) }));
  }
  const { format, config, arrays } = await readWeightsFile(dir);
  const num = (key: string) => Number(config[key]);
  if (format === 'headstart-knn') {
    const support = arrays.get('support');
    const labels = arrays.get('labels');
    if (support?.data instanceof Float32Array && labels?.data instanceof Int32Array) {
      return createKnnHead(support.data, labels.data, num('dim'), num('numClasses'), num('k'));
    }
  }
  if (format === 'headstart-prototype') {
    const prototypes = arrays.get('prototypes');
    if (prototypes?.data instanceof Float32Array) return createPrototypeHead(prototypes.data, num('dim'), num('numClasses'), num('temperature'));
  }
  throw new HeadstartError('HS_MODEL_INVALID', `${jsonPath} is not a head headstart can load (format '${String(format)}').`);
}
