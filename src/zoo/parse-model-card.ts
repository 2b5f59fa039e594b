import { HeadstartError } from '../core/index.js';
import { MODEL_FORMATS } from '../engines/index.js';
import type { ModelCard } from './model-card.js';

type Check = 'string' | 'number' | 'object';
const FIELDS: Record<Exclude<keyof ModelCard, 'blocks' | 'sourceTraining'>, Check> = {
  id: 'string',
  name: 'string',
  modality: 'string',
  format: 'string',
  input: 'object',
  defaultCut: 'string',
  defaultPooling: 'string',
  defaultCutReason: 'string',
  embeddingSize: 'number',
  cutPoints: 'object',
  weightsSource: 'string',
  trainedOn: 'string',
  licence: 'string',
  pretrainedLayers: 'string',
  origin: 'string',
};

/** Checks a card read from disk field by field, naming the file and the field that is wrong. */
export function parseModelCard(raw: unknown, file: string): ModelCard {
  const fail = (what: string) => new HeadstartError('HS_MODEL_INVALID', `Model card ${file}: ${what}. Remove the entry and register it again.`);
  if (typeof raw !== 'object' || raw === null) throw fail('not a JSON object');
  const record = raw as Record<string, unknown>;
  for (const [key, type] of Object.entries(FIELDS)) {
    if (typeof record[key] !== type) throw fail(`field '${key}' should be a ${type}, got ${JSON.stringify(record[key])}`);
  }
  const input = record.input as Record<string, unknown>;
  for (const key of ['height', 'width']) if (typeof input[key] !== 'number') throw fail(`input.${key} should be a number`);
  for (const key of ['mean', 'std']) {
    const v = input[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) throw fail(`input.${key} should be three numbers`);
  }
  if (!['rgb', 'bgr'].includes(String(input.channelOrder))) throw fail(`input.channelOrder should be 'rgb' or 'bgr'`);
  if (!['center-crop', 'stretch'].includes(String(input.resize))) throw fail(`input.resize should be 'center-crop' or 'stretch'`);
  if (input.layout !== undefined && !['nhwc', 'nchw'].includes(String(input.layout))) throw fail(`input.layout should be 'nhwc' or 'nchw'`);
  if (!(MODEL_FORMATS as readonly string[]).includes(String(record.format))) throw fail(`format should be one of ${MODEL_FORMATS.join(', ')}`);
  if (record.blocks !== undefined && !(Array.isArray(record.blocks) && record.blocks.every((b) => typeof b === 'string'))) throw fail('blocks should list layer names');
  if (!['avg', 'max', 'flatten'].includes(String(record.defaultPooling))) throw fail(`defaultPooling should be 'avg', 'max' or 'flatten'`);
  return raw as ModelCard;
}
