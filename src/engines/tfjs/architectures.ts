import type * as tfTypes from '@tensorflow/tfjs';
import { invalidChoice, invalidOption } from '../../core/index.js';
import type { LayersArtifacts } from '../engine.js';
import { initWasmBackend, tf } from './backend.js';
import { saveLayersModel } from './head.js';

/**
 * Networks headstart trains from scratch as source models. 'small-cnn': three blocks of two 3x3 convolutions (ReLU)
 * each, max-pooled between blocks, for 28 to 96 px inputs; 'mlp': dense ReLU layers for feature or tabular input.
 */
export type ArchitectureName = 'small-cnn' | 'mlp';
export const ARCHITECTURES: readonly ArchitectureName[] = ['small-cnn', 'mlp'];

export interface ArchitectureOptions {
  /** One example's shape: [height, width, channels] for 'small-cnn', [features] for 'mlp'. */
  inputShape: number[];
  /** Channels of the first block (doubled per block) or units of each dense layer. @default 32 for 'small-cnn', 256 for 'mlp' */
  width?: number;
  /** Blocks of 'small-cnn' or dense layers of 'mlp'. @default 3 for 'small-cnn', 2 for 'mlp' */
  depth?: number;
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
    return { artifacts: await saveLayersModel(model), blocks };
  } finally {
    model.dispose();
  }
}
