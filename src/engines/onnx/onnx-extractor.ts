import { HeadstartError } from '../../core/index.js';
import type { ExtractorOptions, FeatureExtractor } from '../engine.js';
import { hwcToChw } from './hwc-to-chw.js';
import { formatDims } from './onnx-session.js';
import type { FloatTensor, OnnxSession, OnnxValueInfo } from './onnx-session.js';
import { pooledDim, poolNchw } from './pool-nchw.js';

/** The one float32 image input headstart feeds; anything else is a model it cannot drive. */
function imageInput(session: OnnxSession): OnnxValueInfo {
  const [input] = session.inputs;
  if (session.inputs.length !== 1 || !input || input.dtype !== 'float32' || (input.dims.length !== 0 && input.dims.length !== 4)) {
    const list = session.inputs.map((i) => `'${i.name}' ${i.dtype} ${formatDims(i.dims)}`).join(', ');
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${session.file} has inputs ${list || '(none)'}: headstart feeds images to one float32 input of rank 4 (NCHW or NHWC). ` +
        'Export the model with a single image input.',
    );
  }
  return input;
}

/** What to change when a probe fails: the layout, or the size, when the declared input says so. */
function inputHint(expected: readonly (number | string)[], options: ExtractorOptions): string {
  if (expected.length !== 4) return '';
  const { height, width, layout = 'nhwc' } = options.input;
  const channelsFirst = expected[1] === 3 && expected[3] !== 3;
  const channelsLast = expected[3] === 3 && expected[1] !== 3;
  if (layout === 'nhwc' && channelsFirst) return " The model's input is channels-first: set input.layout to 'nchw'.";
  if (layout === 'nchw' && channelsLast) return " The model's input is channels-last: set input.layout to 'nhwc'.";
  const [h, w] = layout === 'nchw' ? [expected[2], expected[3]] : [expected[1], expected[2]];
  if ((typeof h === 'number' && h !== height) || (typeof w === 'number' && w !== width)) {
    return ` Set input height and width to ${h} x ${w}, the size the model was exported for.`;
  }
  return '';
}

/**
 * A feature extractor over a session cut at `options.cut`. Pixels arrive HWC per image and are reordered to NCHW when
 * `input.layout` is 'nchw'; a model exported with a fixed batch size is fed in batches of that size, zero-padded.
 * The session belongs to the engine (shared with every extractor on the same file and cut), so `dispose` leaves it open.
 */
export async function loadOnnxExtractor(session: OnnxSession, options: ExtractorOptions): Promise<FeatureExtractor> {
  const input = imageInput(session);
  const { cut, pooling } = options;
  const { height, width, layout = 'nhwc' } = options.input;
  const imageSize = height * width * 3;
  const imageDims = layout === 'nchw' ? [3, height, width] : [height, width, 3];
  const first = input.dims[0];
  const fixedBatch = typeof first === 'number' && first > 0 ? first : undefined;

  /** Runs `count` HWC images (at most fixedBatch when set) and returns the cut value for them (padding rows included). */
  const runChunk = (pixels: Float32Array, count: number): Promise<FloatTensor> => {
    const batch = fixedBatch ?? count;
    let data = pixels;
    if (layout === 'nchw' || batch !== count) {
      data = new Float32Array(batch * imageSize);
      if (layout === 'nchw') hwcToChw(pixels, count, height, width, 3, data);
      else data.set(pixels);
    }
    return session.run({ [input.name]: { data, dims: [batch, ...imageDims] } }, cut);
  };

  // Probe once with a zero image to learn the cut value's shape (and to fail here, not halfway through a dataset).
  let probe: FloatTensor;
  try {
    probe = await runChunk(new Float32Array(imageSize), 1);
  } catch (err) {
    if (!(err instanceof HeadstartError)) throw err;
    throw new HeadstartError(err.code, err.message + inputHint(input.dims, options), { cause: err });
  }
  const cutShape = probe.dims.slice(1);
  const dim = pooledDim(probe.dims, pooling);
  if (dim === undefined) {
    throw new HeadstartError(
      'HS_INVALID_OPTION',
      `Cannot pool '${cut}' of ${session.file} with '${pooling}': its value is ${formatDims(probe.dims)} (rank ${probe.dims.length}); ` +
        "'avg' and 'max' pool a rank-4 NCHW map. Pass pooling 'flatten', or cut at a rank-4 or rank-2 value.",
    );
  }

  let disposed = false;
  return {
    dim,
    cutShape,
    async extract(pixels, count) {
      if (disposed) throw new HeadstartError('HS_ENGINE_FAILED', `The extractor for ${session.file} at '${cut}' was disposed; load it again.`);
      if (pixels.length !== count * imageSize) {
        throw new HeadstartError(
          'HS_ENGINE_FAILED',
          `Extractor for ${session.file} got ${pixels.length} values for ${count} images of ${height}x${width}x3 (${count * imageSize} expected).`,
        );
      }
      const step = fixedBatch ?? Math.max(count, 1);
      const features = new Float32Array(count * dim);
      for (let start = 0; start < count; start += step) {
        const n = Math.min(step, count - start);
        const out = await runChunk(pixels.subarray(start * imageSize, (start + n) * imageSize), n);
        features.set(poolNchw(out.data, out.dims, n, pooling), start * dim);
      }
      return features;
    },
    dispose() {
      disposed = true;
    },
  };
}
