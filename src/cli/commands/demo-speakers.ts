import { demoSpeakers, SPEAKERS_DEFAULTS, SPEAKERS_METHODS } from '../../index.js';
import type { SpeakersOptions, SpeakersResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { reportLines } from './result-text.js';
import { envHelp, FORCE_FLAG } from '../common-flags.js';
import { curveTables } from './curve-text.js';

function speakersSummary(result: SpeakersResult): string {
  const sources = (['other speakers', 'synthetic'] as const).filter((s) => result.meanOverSpeakers.some((m) => m.source === s));
  return [
    ...sources.flatMap((s) => [
      `Accuracy on the held-out speaker, source = ${s}: mean over ${result.speakers.length} speaker(s) (min-max over speakers):`,
      curveTables(result.meanOverSpeakers.filter((m) => m.source === s), SPEAKERS_METHODS, { kHeader: 'k per digit' }),
      '',
    ]),
    ...result.verdict.filter((line) => line.startsWith('Source ')),
    '',
    ...reportLines(result),
  ].join('\n');
}

export const demoSpeakersCommand = defineCommand({
  name: 'demo speakers',
  summary: 'Leave-one-speaker-out on spoken digits (FSDD): transfer between speakers, and from synthetic speech to real.',
  description:
    'For each speaker of the Free Spoken Digit Dataset, trains a small CNN on log-mels of the other five speakers (and, ' +
    'separately, on synthetic espeak-ng speech), then learns the held-out speaker from k labelled clips per digit four ways: ' +
    'the source CNN frozen with a new head, fine-tuned, the same CNN from scratch, and zero-shot. Source models are cached ' +
    'in the work folder and finished runs kept: run it again after an interruption to continue.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', default: '<repo>/../shared/data/fsdd/recordings', description: 'FSDD recordings: {digit}_{speaker}_{index}.wav files.', group: 'Data' },
    out: { kind: 'string', placeholder: 'DIR', default: '<HEADSTART_HOME>/demo-speakers', description: 'Work folder: source models, synthetic speech, results.json, report.html.', group: 'Output' },
    ...FORCE_FLAG,
    speakers: { kind: 'string', placeholder: 'NAMES', description: 'Held-out speakers, comma-separated (default: all).', group: 'Data' },
    shots: { kind: 'numbers', integers: true, above: 0, placeholder: '1,3,5,10', default: SPEAKERS_DEFAULTS.shots, description: 'Labelled clips per digit of the held-out speaker, one curve point each.' },
    seeds: { kind: 'numbers', integers: true, placeholder: '1,2,3', default: SPEAKERS_DEFAULTS.seeds, description: 'One run per seed and point.' },
    'test-takes': { kind: 'integer', min: 1, default: SPEAKERS_DEFAULTS.testTakes, description: 'Takes 0..N-1 of each digit are the test clips.' },
    'source-epochs': { kind: 'integer', min: 1, default: SPEAKERS_DEFAULTS.sourceEpochs, description: 'Maximum epochs of each source CNN.' },
    width: { kind: 'integer', min: 1, default: SPEAKERS_DEFAULTS.width, description: "Channels of the CNN's first block." },
    'synth-per-word': { kind: 'integer', min: 1, default: SPEAKERS_DEFAULTS.synthPerWord, description: 'Synthetic clips per digit and espeak voice.' },
    'no-synthetic': { kind: 'boolean', description: 'Skip the synthetic-speech source (no espeak-ng needed).' },
  },
  env: envHelp(),
  examples: ['headstart demo speakers', 'headstart demo speakers --speakers theo,jackson --shots 1,10 --seeds 1 --json'],
  async run({ flags }, ctx) {
    const options: SpeakersOptions = { signal: ctx.signal, onProgress: ctx.onProgress };
    if (ctx.home !== undefined) options.home = ctx.home;
    for (const key of ['data', 'out', 'shots', 'seeds', 'testTakes', 'sourceEpochs', 'width', 'synthPerWord'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    if (flags.force) options.force = true;
    if (flags.speakers !== undefined) options.speakers = flags.speakers.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (flags.noSynthetic) options.synthetic = false;
    const result = await demoSpeakers(options);
    ctx.print(result, () => speakersSummary(result));
  },
});
