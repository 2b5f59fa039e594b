import { synthDigits } from '../../index.js';
import type { SynthDigitsOptions } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { FORCE_FLAG } from '../common-flags.js';

export const synthDigitsCommand = defineCommand({
  name: 'synth digits',
  summary: 'Render a synthetic digit dataset from installed fonts: a simulated source domain for handwritten digits.',
  description:
    'Writes one sub-folder per digit (0-9) of 28x28 PNG images, white on black and centred the way MNIST is, each ' +
    'rendered from a random installed font with random rotation, slant, stroke width, scale, offset, blur and noise. ' +
    'The same seed writes the same files. SYNTH.json in the folder records the fonts and ranges used.',
  flags: {
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder to write (an earlier dataset headstart wrote there is replaced; anything else needs --force).', group: 'Output' },
    ...FORCE_FLAG,
    'per-class': { kind: 'integer', min: 1, default: 500, description: 'Images per digit.' },
    size: { kind: 'integer', min: 8, default: 28, description: 'Image side in pixels.' },
    seed: { kind: 'integer', default: 42, description: 'Seeds every random choice.' },
  },
  examples: ['headstart synth digits --out synthetic-digits', 'headstart synth digits --out sd --per-class 100 --seed 7 --json'],
  async run({ flags }, ctx) {
    const options: SynthDigitsOptions = { out: flags.out, signal: ctx.signal, onProgress: ctx.onProgress };
    if (flags.force) options.force = true;
    if (flags.perClass !== undefined) options.perClass = flags.perClass;
    if (flags.size !== undefined) options.size = flags.size;
    if (flags.seed !== undefined) options.seed = flags.seed;
    const result = await synthDigits(options);
    ctx.print(result, () =>
      [
        `Wrote ${result.perClass * 10} digits (${result.perClass} per class) to ${result.out} in ${(result.durationMs / 1000).toFixed(1)} s.`,
        `Fonts: ${result.fontsUsed.join(', ')}`,
        ...(result.fontsMissing.length > 0 ? [`Not installed, left out: ${result.fontsMissing.join(', ')}`] : []),
      ].join('\n'),
    );
  },
});
