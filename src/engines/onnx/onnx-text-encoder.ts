import os from 'node:os';
import { HeadstartError, invalidOption } from '../../core/index.js';
import { readOnnxFile } from './onnx-file.js';
import { createOnnxSession, formatDims } from './onnx-session.js';
import type { FloatTensor, InputTensor, OnnxSession } from './onnx-session.js';

/** Token ids of a batch, row-major [batch, seqLength], as int64. `tokenTypeIds` is fed only if the model takes it. */
export interface TextEncoderInput {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  batch: number;
  seqLength: number;
}

export interface LoadOnnxTextEncoderOptions {
  /** onnxruntime's intra-op thread count. @default os.availableParallelism() */
  threads?: number;
}

/** The inputs a BERT-style encoder may declare; input_ids and attention_mask are required. */
const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
const OUTPUT = 'last_hidden_state';

/** A transformer encoder (BERT, MiniLM) in onnxruntime: token ids in, one hidden vector per token out. */
export class OnnxTextEncoder {
  private constructor(
    private readonly session: OnnxSession,
    /** The value fetched: last_hidden_state, or the model's only rank-3 output. */
    readonly output: string,
    /** Width of the hidden vectors, when the model declares it. */
    readonly hiddenSize: number | undefined,
  ) {}

  /**
   * Opens an encoder .onnx file. The model must take int64 `input_ids` and `attention_mask` (and may take
   * `token_type_ids`), and give `last_hidden_state` [batch, sequence, hidden].
   * @throws HeadstartError `HS_MODEL_NOT_FOUND` for a missing file; `HS_MODEL_INVALID` when its inputs or outputs are
   *   not those of a text encoder; `HS_ENGINE_FAILED` when onnxruntime cannot load it.
   */
  static async load(file: string, options: LoadOnnxTextEncoderOptions = {}): Promise<OnnxTextEncoder> {
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw invalidOption(`Expected threads to be a positive integer. Received: ${String(options.threads)}.`);
    const session = await createOnnxSession(await readOnnxFile(file), file, { threads });
    try {
      const names = session.inputs.map((i) => i.name);
      const unknown = names.filter((n) => !(KNOWN_INPUTS as readonly string[]).includes(n));
      const missing = ['input_ids', 'attention_mask'].filter((n) => !names.includes(n));
      if (unknown.length > 0 || missing.length > 0) {
        throw new HeadstartError(
          'HS_MODEL_INVALID',
          `${file} is not a text encoder headstart can feed: its inputs are ${session.inputs.map((i) => `'${i.name}' ${i.dtype} ${formatDims(i.dims)}`).join(', ')}; ` +
            `expected int64 input_ids and attention_mask, and optionally token_type_ids.`,
        );
      }
      const rank3 = session.outputs.filter((o) => o.dims.length === 3);
      const out = session.outputs.find((o) => o.name === OUTPUT) ?? (rank3.length === 1 ? rank3[0] : undefined);
      if (!out) {
        throw new HeadstartError(
          'HS_MODEL_INVALID',
          `${file} has no '${OUTPUT}' output (outputs: ${session.outputs.map((o) => `'${o.name}' ${formatDims(o.dims)}`).join(', ')}). Export the encoder with its token-level hidden states.`,
        );
      }
      const hidden = out.dims[2];
      return new OnnxTextEncoder(session, out.name, typeof hidden === 'number' ? hidden : undefined);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** The .onnx file, for messages. */
  get file(): string {
    return this.session.file;
  }

  /** Runs one batch; returns the hidden states [batch, seqLength, hidden]. */
  async run(input: TextEncoderInput): Promise<FloatTensor> {
    const dims = [input.batch, input.seqLength];
    const given: Record<string, InputTensor> = {
      input_ids: { data: input.inputIds, dims },
      attention_mask: { data: input.attentionMask, dims },
      token_type_ids: { data: input.tokenTypeIds, dims },
    };
    const feeds = Object.fromEntries(this.session.inputs.map((i) => [i.name, given[i.name] as InputTensor]));
    const out = await this.session.run(feeds, this.output);
    if (out.dims.length !== 3 || out.dims[0] !== input.batch || out.dims[1] !== input.seqLength) {
      throw new HeadstartError(
        'HS_ENGINE_FAILED',
        `${this.file}: '${this.output}' came back as ${formatDims(out.dims)}, expected [${input.batch}, ${input.seqLength}, hidden].`,
      );
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
