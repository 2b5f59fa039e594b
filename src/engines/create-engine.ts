import { invalidChoice, invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { Engine } from './engine.js';
import { OnnxEngine } from './onnx/onnx-engine.js';
import { TfjsEngine } from './tfjs/tfjs-engine.js';

/** 'tfjs': TF.js on wasm, single-threaded. 'onnx': onnxruntime on the CPU for .onnx backbones, TF.js for the rest. */
export type EngineKind = 'tfjs' | 'onnx';
export const ENGINE_KINDS: readonly EngineKind[] = ['tfjs', 'onnx'];

export interface CreateEngineOptions {
  /** Which runtime. @default 'onnx' */
  kind?: EngineKind;
  /** onnxruntime's threads per operator; kind 'onnx' only (tfjs-wasm is single-threaded). @default os.availableParallelism() */
  threads?: number;
}

export const CREATE_ENGINE_DEFAULTS: Required<Pick<CreateEngineOptions, 'kind'>> = { kind: 'onnx' };

/** The engine to pass as `{ engine }`. A factory, so nothing touches a runtime's global state at import time. */
export function createEngine(options: CreateEngineOptions = {}): Engine {
  rejectUnknownKeys('createEngine', options, ['kind', 'threads']);
  const kind = options.kind ?? CREATE_ENGINE_DEFAULTS.kind;
  if (!ENGINE_KINDS.includes(kind)) throw invalidChoice('kind', kind, ENGINE_KINDS);
  if (kind === 'onnx') return new OnnxEngine(options.threads === undefined ? {} : { threads: options.threads });
  if (options.threads !== undefined) {
    throw invalidOption(`threads sets onnxruntime's thread count; the tfjs engine runs single-threaded. Drop threads, or pass kind: 'onnx'.`);
  }
  return new TfjsEngine();
}
