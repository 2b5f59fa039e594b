import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { HeadstartError, readFailureReason, readInputFile, readInputText } from '../../core/index.js';
import type { ModelFiles } from '../engine.js';

interface ModelJson {
  modelTopology?: object;
  format?: string;
  weightsManifest?: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

/** Reads a TF.js model.json and its weight shards from disk into the artifacts tfjs loads from memory. */
export async function readModelArtifacts(files: ModelFiles): Promise<tfTypes.io.ModelArtifacts> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readInputText(files.path, 'json')) as ModelJson;
  } catch (err) {
    const code = (err as HeadstartError).code === 'HS_FILE_NOT_FOUND' ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID';
    throw new HeadstartError(code, `Cannot read TF.js model ${files.path}: ${readFailureReason(err, files.path)}`, { cause: err });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${files.path} is not a TF.js model.json: it needs "modelTopology" and "weightsManifest". Convert the model with tensorflowjs_converter first.`,
    );
  }
  const dir = path.dirname(files.path);
  const weightSpecs: tfTypes.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) {
      const shardPath = path.join(dir, shard);
      try {
        shards.push(await readInputFile(shardPath, 'weights'));
      } catch (err) {
        throw new HeadstartError('HS_MODEL_INVALID', `Weight shard ${shardPath} listed in ${files.path} cannot be read: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  const all = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: json.format,
  };
}
