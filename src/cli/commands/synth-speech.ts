import { DIGIT_WORDS, SPEECH_VOICES, synthSpeech } from '../../index.js';
import type { SynthSpeechOptions } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { FORCE_FLAG } from '../common-flags.js';

/** `a,b , c` -> ['a', 'b', 'c']. */
function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const synthSpeechCommand = defineCommand({
  name: 'synth speech',
  summary: 'Speak a word list with espeak-ng voices and accents: a synthetic source domain for spoken words.',
  description:
    'Runs espeak-ng (Debian package espeak-ng, called as a separate program) for every word in every voice, ' +
    '--per-word takes each at a seeded random rate and pitch, and writes 16-bit mono WAVs named ' +
    '<label>_<voice>_<take>.wav, one sub-folder per label (or flat with --layout flat, readable with the pattern ' +
    "'{label}_{speaker}_{index}.wav'). The same seed writes the same bytes. SYNTH.json records every clip.",
  flags: {
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder to write (an earlier dataset headstart wrote there is replaced; anything else needs --force).', group: 'Output' },
    ...FORCE_FLAG,
    words: { kind: 'string', placeholder: 'LIST', default: DIGIT_WORDS.join(','), description: 'Comma-separated words to speak.' },
    labels: { kind: 'string', placeholder: 'LIST', default: '<the words>', description: 'Comma-separated class name of each word, e.g. 0,1,...,9 to match FSDD.' },
    voices: { kind: 'string', placeholder: 'LIST', default: SPEECH_VOICES.join(','), description: "espeak-ng voices ('espeak-ng --voices'), optionally +variant." },
    'per-word': { kind: 'integer', min: 1, default: 5, description: 'Takes per word for each voice.' },
    rates: { kind: 'numbers', placeholder: 'WPM,...', integers: true, default: [120, 140, 160, 180, 200], description: 'Speaking rates (words per minute) to draw from.' },
    pitches: { kind: 'numbers', placeholder: 'P,...', integers: true, default: [25, 35, 50, 65, 75], description: 'espeak pitches (0-99) to draw from.' },
    'sample-rate': { kind: 'integer', min: 1000, default: 8000, description: 'Sample rate of the written WAVs in Hz (FSDD: 8000).' },
    layout: { kind: 'choice', choices: ['folders', 'flat'], default: 'folders', description: 'One sub-folder per label, or all files in --out.', group: 'Output' },
    seed: { kind: 'integer', default: 42, description: 'Seeds every rate and pitch choice.' },
  },
  examples: [
    'headstart synth speech --out synthetic-digits',
    'headstart synth speech --out sd --labels 0,1,2,3,4,5,6,7,8,9 --per-word 10 --layout flat --json',
    'headstart synth speech --out yesno --words yes,no --voices en-us,en-gb-scotland,de --per-word 3 --seed 7',
  ],
  async run({ flags }, ctx) {
    const options: SynthSpeechOptions = { out: flags.out, signal: ctx.signal, onProgress: ctx.onProgress };
    if (flags.force) options.force = true;
    if (flags.words !== undefined) options.words = list(flags.words);
    if (flags.labels !== undefined) options.labels = list(flags.labels);
    if (flags.voices !== undefined) options.voices = list(flags.voices);
    if (flags.perWord !== undefined) options.perWord = flags.perWord;
    if (flags.rates !== undefined) options.rates = flags.rates;
    if (flags.pitches !== undefined) options.pitches = flags.pitches;
    if (flags.sampleRate !== undefined) options.sampleRate = flags.sampleRate;
    if (flags.layout !== undefined) options.layout = flags.layout;
    if (flags.seed !== undefined) options.seed = flags.seed;
    const result = await synthSpeech(options);
    const seconds = result.clips.reduce((s, c) => s + c.durationSeconds, 0);
    ctx.print(result, () =>
      [
        `Wrote ${result.clips.length} clips (${seconds.toFixed(1)} s of audio) to ${result.out} in ${(result.durationMs / 1000).toFixed(1)} s with ${result.espeakVersion}.`,
        `Voices: ${result.voicesUsed.join(', ')}`,
        ...(result.voicesMissing.length > 0 ? [`Not available, left out: ${result.voicesMissing.join(', ')}`] : []),
      ].join('\n'),
    );
  },
});
