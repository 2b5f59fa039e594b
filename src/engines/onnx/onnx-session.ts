import * as ort from 'onnxruntime-node';
import { HeadstartError } from '../../core/index.js';

/** A graph input or output as onnxruntime reports it: a dimension is a number, or a name when symbolic. */
export interface OnnxValueInfo {
  name: string;
  /** 'float32', 'int64', …; 'non-tensor' for sequences and maps. */
  dtype: string;
  dims: (number | string)[];
}

/** A float32 tensor handed to or returned by a session. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

/** An int64 tensor handed to a session (token ids and masks of text encoders). */
export interface Int64Tensor {
  data: BigInt64Array;
  dims: number[];
}

/** What a session takes as an input. */
export type InputTensor = FloatTensor | Int64Tensor;

const dtypeOf = (t: InputTensor): 'float32' | 'int64' => (t.data instanceof BigInt64Array ? 'int64' : 'float32');

/** An onnxruntime session on one model (already cut), with inputs checked before each run. */
export interface OnnxSession {
  /** The .onnx file the session came from, named in every error. */
  readonly file: string;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Runs the graph on float32 (or int64) inputs and returns the float32 value `fetch`. */
  run(feeds: Record<string, InputTensor>, fetch: string): Promise<FloatTensor>;
  release(): Promise<void>;
}

export interface CreateSessionOptions {
  /** onnxruntime's intra-op thread count. */
  threads: number;
}

export function formatDims(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

function describeValue(v: OnnxValueInfo): string {
  return `'${v.name}' ${v.dtype} ${formatDims(v.dims)}`;
}

function infoOf(m: ort.InferenceSession.ValueMetadata): OnnxValueInfo {
  return m.isTensor ? { name: m.name, dtype: m.type, dims: [...m.shape] } : { name: m.name, dtype: 'non-tensor', dims: [] };
}

/** A given input against what the model declares: the first mismatch in words, or undefined when it fits. */
function mismatch(given: InputTensor, expected: OnnxValueInfo): string | undefined {
  if (expected.dtype !== dtypeOf(given)) return `the model wants ${expected.dtype}`;
  if (expected.dims.length === 0) return undefined; // shape not declared: onnxruntime is the judge
  if (given.dims.length !== expected.dims.length) return `rank ${given.dims.length}, the model wants rank ${expected.dims.length}`;
  const i = given.dims.findIndex((d, k) => typeof expected.dims[k] === 'number' && expected.dims[k] !== d);
  return i < 0 ? undefined : `dimension ${i} is ${given.dims[i]}, the model wants ${expected.dims[i]}`;
}

/** "Inputs given: 'x' float32 [1, 3, 16, 16] (expected float32 [batch, 3, 8, 8])." */
function describeFeeds(feeds: Record<string, InputTensor>, inputs: readonly OnnxValueInfo[]): string {
  const given = Object.entries(feeds).map(([name, t]) => {
    const expected = inputs.find((i) => i.name === name);
    const wanted = expected ? `expected ${expected.dtype} ${formatDims(expected.dims)}` : 'not an input of the model';
    return `'${name}' ${dtypeOf(t)} ${formatDims(t.dims)} (${wanted})`;
  });
  const missing = inputs.filter((i) => !(i.name in feeds)).map((i) => `${describeValue(i)} not given`);
  return `Inputs given: ${[...given, ...missing].join('; ')}.`;
}

/**
 * Creates an onnxruntime session on the CPU provider with every graph optimisation. The only place headstart calls
 * onnxruntime: errors here carry the file, and for runs each input's name, dtype and dims given and expected.
 */
export async function createOnnxSession(bytes: Uint8Array, file: string, options: CreateSessionOptions): Promise<OnnxSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // Idle worker threads sleep instead of spinning: image decoding shares the cores and must not lose them to
      // threads that busy-wait between operators.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      // Only fatal messages on stderr: the library never prints; failures come back as errors.
      logSeverityLevel: 4,
    });
  } catch (err) {
    throw new HeadstartError(
      'HS_ENGINE_FAILED',
      `onnxruntime could not load ${file}: ${(err as Error).message}. Check that the file is a complete ONNX model (opset 7 or later).`,
      { cause: err },
    );
  }
  const inputs = session.inputMetadata.map(infoOf);
  const outputs = session.outputMetadata.map(infoOf);
  let released = false;
  const fail = (what: string, feeds: Record<string, InputTensor>, cause?: unknown) =>
    new HeadstartError('HS_ENGINE_FAILED', `onnxruntime could not run ${file}: ${what}. ${describeFeeds(feeds, inputs)}`, cause ? { cause } : undefined);

  return {
    file,
    inputs,
    outputs,
    async run(feeds, fetch) {
      if (released) throw fail('the engine that held this session was disposed; load the extractor again', feeds);
      for (const input of inputs) {
        const given = feeds[input.name];
        const wrong = given ? mismatch(given, input) : 'it is not given';
        if (wrong) throw fail(`input '${input.name}' does not fit: ${wrong}`, feeds);
      }
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        const tensors = Object.fromEntries(
          Object.entries(feeds).map(([name, t]) => [name, t.data instanceof BigInt64Array ? new ort.Tensor('int64', t.data, t.dims) : new ort.Tensor('float32', t.data, t.dims)]),
        );
        result = await session.run(tensors, [fetch]);
      } catch (err) {
        throw fail((err as Error).message, feeds, err);
      }
      const out = result[fetch] as ort.Tensor | undefined;
      if (!out || out.type !== 'float32') {
        throw fail(`value '${fetch}' came back as ${out ? out.type : 'nothing'}, not float32 features; cut at a float value`, feeds);
      }
      // Copy out of onnxruntime's buffer, so the features outlive the tensor.
      return { data: (out.data as Float32Array).slice(), dims: out.dims.map(Number) };
    },
    async release() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
