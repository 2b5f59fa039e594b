import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys } from '../core/index.js';
import { CONTINUAL_DEFAULTS, CONTINUAL_STRATEGIES } from './learner.js';
import type { ContinualLearner, ContinualOptions, ContinualStrategy } from './learner.js';
import { createNcmLearner } from './ncm.js';
import { createRetrainLearner } from './replay.js';
import { createSldaLearner } from './slda.js';
import { readStateFiles } from './state-file.js';

/** Checks and completes continual-learning options; a bad value fails before any work. */
export function resolveContinualOptions(options: ContinualOptions): Required<ContinualOptions> {
  rejectUnknownKeys('continual learning', options, Object.keys(CONTINUAL_DEFAULTS));
  const o = { ...CONTINUAL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const ranges: [keyof ContinualOptions, number, number, boolean][] = [
    ['temperature', Number.MIN_VALUE, Infinity, false],
    ['shrinkage', Number.MIN_VALUE, 1, false],
    ['memory', 1, Infinity, true],
    ['epochs', 1, Infinity, true],
    ['learningRate', Number.MIN_VALUE, Infinity, false],
    ['weightDecay', 0, Infinity, false],
    ['seed', -Infinity, Infinity, true],
  ];
  for (const [name, min, max, integer] of ranges) {
    const v = o[name];
    if (name === 'shrinkage' && v === 'auto') continue;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      throw invalidOption(`Expected ${name} to be ${integer ? 'an integer' : 'a number'}${name === 'shrinkage' ? " (or 'auto')" : ''} ${min === Number.MIN_VALUE ? 'above 0' : `from ${min}`}${max === Infinity ? '' : ` to ${max}`}. Received: ${String(v)}.`);
    }
  }
  return o;
}

/** A learner with no classes yet, on features of length `dim`. */
export function createLearner(strategy: ContinualStrategy, dim: number, options: ContinualOptions = {}): ContinualLearner {
  if (!CONTINUAL_STRATEGIES.includes(strategy)) throw invalidChoice('strategy', strategy, CONTINUAL_STRATEGIES);
  if (!Number.isInteger(dim) || dim < 1) throw invalidOption(`Expected dim to be a positive integer. Received: ${String(dim)}.`);
  const o = resolveContinualOptions(options);
  if (strategy === 'ncm') return createNcmLearner(dim, o);
  if (strategy === 'slda') return createSldaLearner(dim, o);
  return createRetrainLearner(strategy, dim, o);
}

/** Reads a learner saved by `ContinualLearner.save`, with the `meta` saved beside it. */
export async function loadLearner(dir: string): Promise<{ learner: ContinualLearner; meta: Record<string, unknown> }> {
  const { json, arrays } = await readStateFiles(dir);
  const { strategy, dim, classes } = json;
  const options = resolveContinualOptions(json.options);
  const f64 = (name: string, length: number) => {
    const a = arrays.get(name);
    if (!(a instanceof Float64Array) || a.length !== length) throw new HeadstartError('HS_MODEL_INVALID', `${dir}/state.bin: array ${name} is missing or not ${length} float64 values. Roll the model back (headstart update --rollback).`);
    return a;
  };
  const meta = json.meta ?? {};
  const c = classes.length;
  if (strategy === 'ncm') return { learner: createNcmLearner(dim, options, { classes, sums: f64('sums', c * dim), counts: f64('counts', c) }), meta };
  if (strategy === 'slda') {
    return { learner: createSldaLearner(dim, options, { classes, sums: f64('sums', c * dim), counts: f64('counts', c), secondMoment: f64('secondMoment', dim * dim) }), meta };
  }
  if (strategy === 'replay' || strategy === 'joint' || strategy === 'naive') {
    const values = arrays.get('bufferValues');
    const labels = arrays.get('bufferLabels');
    if (!(values instanceof Float32Array) || !(labels instanceof Int32Array) || values.length !== labels.length * dim) {
      throw new HeadstartError('HS_MODEL_INVALID', `${dir}/state.bin: the feature buffer is missing or does not match ${dim}-d rows. Roll the model back (headstart update --rollback).`);
    }
    return { learner: createRetrainLearner(strategy, dim, options, { classes, buffer: { values, labels } }), meta };
  }
  throw new HeadstartError('HS_MODEL_INVALID', `${dir}/state.json names strategy '${String(strategy)}'; this headstart knows ${CONTINUAL_STRATEGIES.join(', ')}.`);
}
