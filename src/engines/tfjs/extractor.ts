import type * as tfTypes from '@tensorflow/tfjs';
import { HeadstartError } from '../../core/index.js';
import type { ExtractorOptions, FeatureExtractor, ModelFiles, Pooling } from '../engine.js';
import { tf } from './backend.js';
import { readModelArtifacts } from './model-files.js';

function pool(map: tfTypes.Tensor, pooling: Pooling): tfTypes.Tensor2D {
  if (map.rank === 2) return map as tfTypes.Tensor2D;
  if (pooling === 'flatten') return map.reshape([map.shape[0] ?? -1, -1]);
  const axes = Array.from({ length: map.rank - 2 }, (_, i) => i + 1);
  return (pooling === 'avg' ? map.mean(axes) : map.max(axes)) as tfTypes.Tensor2D;
}

function closeNames(wanted: string, names: string[]): string {
  const stem = wanted.replace(/\d+/g, '');
  const similar = names.filter((n) => n.includes(wanted) || wanted.includes(n) || n.replace(/\d+/g, '') === stem);
  const shown = (similar.length > 0 ? similar : names).slice(0, 12);
  return shown.join(', ') + (shown.length < names.length ? ', …' : '');
}

function pooledDim(shape: number[], pooling: Pooling): number {
  if (shape.length <= 1) return shape[0] ?? 0;
  return pooling === 'flatten' ? shape.reduce((a, b) => a * b, 1) : (shape[shape.length - 1] ?? 0);
}

/** Runs a function of one input batch, pooled; shared by the Layers and graph paths. */
function makeExtractor(
  run: (x: tfTypes.Tensor4D) => tfTypes.Tensor,
  cutShape: number[],
  options: ExtractorOptions,
  dispose: () => void,
): FeatureExtractor {
  const { height, width } = options.input;
  const dim = pooledDim(cutShape, options.pooling);
  return {
    dim,
    cutShape,
    async extract(pixels, count) {
      const out = tf.tidy(() => pool(run(tf.tensor4d(pixels, [count, height, width, 3])), options.pooling));
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
    dispose,
  };
}

export async function loadLayersExtractor(files: ModelFiles, options: ExtractorOptions): Promise<FeatureExtractor> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(files)));
  const names = model.layers.map((l) => l.name);
  if (!names.includes(options.cut)) {
    model.dispose();
    throw new HeadstartError(
      'HS_LAYER_NOT_FOUND',
      `Layer '${options.cut}' is not in ${files.path}. Layers with similar names: ${closeNames(options.cut, names)}. ` +
        `Run 'headstart zoo show <id>' to list the cut points.`,
    );
  }
  const output = model.getLayer(options.cut).output as tfTypes.SymbolicTensor;
  const truncated = tf.model({ inputs: model.inputs, outputs: output });
  const cutShape = output.shape.slice(1).map((d) => d ?? -1);
  return makeExtractor((x) => truncated.predict(x) as tfTypes.Tensor, cutShape, options, () => model.dispose());
}

export async function loadGraphExtractor(files: ModelFiles, options: ExtractorOptions): Promise<FeatureExtractor> {
  const model = await tf.loadGraphModel(tf.io.fromMemory(await readModelArtifacts(files)));
  const { height, width } = options.input;
  // A graph model has no symbolic shapes: probe the cut node once to learn its output shape.
  let cutShape: number[];
  try {
    const probe = tf.tidy(() => model.execute(tf.zeros([1, height, width, 3]), options.cut) as tfTypes.Tensor);
    cutShape = probe.shape.slice(1);
    probe.dispose();
  } catch (err) {
    model.dispose();
    throw new HeadstartError(
      'HS_LAYER_NOT_FOUND',
      `Cannot run graph model ${files.path} up to node '${options.cut}' with input [1, ${height}, ${width}, 3]: ${(err as Error).message}. ` +
        `Name an output node of the graph (see 'headstart zoo show <id>').`,
      { cause: err },
    );
  }
  return makeExtractor((x) => model.execute(x, options.cut) as tfTypes.Tensor, cutShape, options, () => model.dispose());
}
