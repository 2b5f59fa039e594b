import type * as tfTypes from '@tensorflow/tfjs';
import { invalidChoice, invalidOption } from '../../core/index.js';
import type { LayersArtifacts } from '../engine.js';
import { initWasmBackend, tf } from './backend.js';
import { saveLayersModel } from './head.js';

/**
 * Networks headstart trains from scratch as source models. 'small-cnn': three blocks of two 3x3 convolutions (ReLU)
 * each, max-pooled between blocks, for 28 to 96 px inputs; 'mlp': dense ReLU layers for feature or tabular input;
 * 'text-cnn': token ids through an embedding, then 1-D convolutions 3, 4 and 5 tokens wide (ReLU), each max-pooled
 * over the text and concatenated (Kim 2014, "Convolutional Neural Networks for Sentence Classification").
 */
export type ArchitectureName = 'small-cnn' | 'mlp' | 'text-cnn';
export const ARCHITECTURES: readonly ArchitectureName[] = ['small-cnn', 'mlp', 'text-cnn'];

/** Widths in tokens of the text-cnn's convolutions. */
const TEXT_CNN_WINDOWS = [3, 4, 5];

export interface ArchitectureOptions {
  /** One example's shape: [height, width, channels] for 'small-cnn', [features] for 'mlp', [tokens] for 'text-cnn'. */
  inputShape: number[];
  /**
   * Channels of the first block (doubled per block), units of each dense layer, or filters of each convolution.
   * @default 32 for 'small-cnn', 256 for 'mlp', 64 for 'text-cnn'
   */
  width?: number;
  /** Blocks of 'small-cnn' or dense layers of 'mlp'. @default 3 for 'small-cnn', 2 for 'mlp' */
  depth?: number;
  /**
   * 'text-cnn' only: the embedding table, `rows` token ids of `dim` values, starting from `initial` (rows x dim, e.g.
   * pretrained word vectors) or, without it, from small random values.
   */
  embedding?: { rows: number; dim: number; initial?: Float32Array };
  /** Seeds every initialiser. */
  seed: number;
}

/** A freshly initialised network without a classifier; its blocks, bottom to top, are its cut and unfreeze points. */
export interface BuiltArchitecture {
  artifacts: LayersArtifacts;
  /** Each block's layers and the layer whose output ends it. */
  blocks: { name: string; layers: string[]; output: string }[];
}

function checkShape(name: ArchitectureName, shape: number[], rank: number): void {
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw invalidOption(`Expected ${name} inputShape to be ${rank} positive integers. Received: ${JSON.stringify(shape)}.`);
  }
}

/** Builds an architecture with seeded initial weights (He-uniform for ReLU layers). */
export async function buildArchitecture(name: ArchitectureName, options: ArchitectureOptions): Promise<BuiltArchitecture> {
  if (!ARCHITECTURES.includes(name)) throw invalidChoice('architecture', name, ARCHITECTURES);
  await initWasmBackend();
  const blocks: BuiltArchitecture['blocks'] = [];
  let seed = options.seed;
  const init = () => tf.initializers.heUniform({ seed: seed++ });
  const { rows = 0, dim = 0, initial } = options.embedding ?? {};
  const input = tf.input({ shape: options.inputShape, name: 'input' });
  let x: tfTypes.SymbolicTensor = input;
  if (name === 'small-cnn') {
    checkShape(name, options.inputShape, 3);
    const depth = options.depth ?? 3;
    const width = options.width ?? 32;
    for (let b = 1; b <= depth; b++) {
      const block = `block_${b}`;
      const layers: string[] = [];
      if (b > 1) {
        layers.push(`${block}_pool`);
        x = tf.layers.maxPooling2d({ poolSize: 2, name: `${block}_pool` }).apply(x) as tfTypes.SymbolicTensor;
      }
      for (let c = 1; c <= 2; c++) {
        const layer = `${block}_conv${c}`;
        layers.push(layer);
        x = tf.layers
          .conv2d({ filters: width * 2 ** (b - 1), kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name: layer })
          .apply(x) as tfTypes.SymbolicTensor;
      }
      blocks.push({ name: block, layers, output: layers[layers.length - 1] as string });
    }
  } else if (name === 'text-cnn') {
    checkShape(name, options.inputShape, 1);
    if (!Number.isInteger(rows) || !Number.isInteger(dim) || rows < 2 || dim < 1) {
      throw invalidOption(`text-cnn needs embedding: { rows, dim } as positive integers (rows at least 2). Received: ${JSON.stringify(options.embedding)}.`);
    }
    if (initial && initial.length !== rows * dim) throw invalidOption(`Expected embedding.initial to hold rows x dim = ${rows * dim} values. Received: ${initial.length}.`);
    x = tf.layers
      .embedding({ inputDim: rows, outputDim: dim, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed++ }), name: 'embedding' })
      .apply(x) as tfTypes.SymbolicTensor;
    blocks.push({ name: 'block_1', layers: ['embedding'], output: 'embedding' });
    const embedded = x;
    const layers: string[] = [];
    const pooled = TEXT_CNN_WINDOWS.map((k) => {
      layers.push(`conv_${k}`, `max_pool_${k}`);
      const conv = tf.layers.conv1d({ filters: options.width ?? 64, kernelSize: k, padding: 'same', activation: 'relu', kernelInitializer: init(), name: `conv_${k}` });
      return tf.layers.globalMaxPooling1d({ name: `max_pool_${k}` }).apply(conv.apply(embedded)) as tfTypes.SymbolicTensor;
    });
    x = tf.layers.concatenate({ name: 'pool_concat' }).apply(pooled) as tfTypes.SymbolicTensor;
    blocks.push({ name: 'block_2', layers: [...layers, 'pool_concat'], output: 'pool_concat' });
  } else {
    checkShape(name, options.inputShape, 1);
    const depth = options.depth ?? 2;
    for (let b = 1; b <= depth; b++) {
      const layer = `dense_${b}`;
      x = tf.layers.dense({ units: options.width ?? 256, activation: 'relu', kernelInitializer: init(), name: layer }).apply(x) as tfTypes.SymbolicTensor;
      blocks.push({ name: `block_${b}`, layers: [layer], output: layer });
    }
  }
  const model = tf.model({ inputs: input, outputs: x, name });
  try {
    if (name === 'text-cnn' && initial) tf.tidy(() => model.getLayer('embedding').setWeights([tf.tensor2d(initial, [rows, dim])]));
    return { artifacts: await saveLayersModel(model), blocks };
  } finally {
    model.dispose();
  }
}
