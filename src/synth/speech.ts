import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HeadstartError, createRng, invalidOption, prepareOutput, rejectUnknownKeys, throwIfAborted, writeDirAtomic } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { decodeWav, encodeWav, mixToMono, resample, trimSilence } from '../data/index.js';

const run = promisify(execFile);

/**
 * espeak-ng voices used by default: English accents (US, British, Scottish, RP, Lancaster, West Midlands,
 * Caribbean, New York; two with female variants), then voices of other languages reading the English words with
 * their own letter-to-sound rules, as foreign accents.
 */
export const SPEECH_VOICES = [
  'en-us', 'en-us+f3', 'en-gb', 'en-gb+f2', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029',
  'en-us-nyc', 'de', 'fr-fr', 'es', 'it', 'el', 'nl', 'pl', 'hi',
] as const;

/** The digits as words, the default vocabulary (as in the Free Spoken Digit Dataset). */
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

export interface SynthSpeechOptions {
  /** Folder to write, replaced atomically when it is a dataset headstart wrote (see `force`). */
  out: string;
  /** Replace `out` even when it is not a dataset headstart wrote (its contents are deleted). @default false */
  force?: boolean;
  /** Words to speak. @default DIGIT_WORDS */
  words?: readonly string[];
  /**
   * Class name of each word, in the same order, e.g. ['0', '1', ...] to match FSDD's labels. @default the words
   */
  labels?: readonly string[];
  /** espeak-ng voices (`espeak-ng --voices`), optionally with a variant (`en-us+f3`); missing ones are left out and listed. @default SPEECH_VOICES */
  voices?: readonly string[];
  /** Clips per word for each voice. @default 5 */
  perWord?: number;
  /** Speaking rates in words per minute; each clip draws one. @default [120, 140, 160, 180, 200] */
  rates?: readonly number[];
  /** espeak pitches (0-99); each clip draws one. @default [25, 35, 50, 65, 75] */
  pitches?: readonly number[];
  /** Sample rate of the written WAVs (16-bit PCM, mono). @default 8000, as FSDD */
  sampleRate?: number;
  /** Trim leading and trailing audio more than this many dB below the loudest frame (FSDD is trimmed); null keeps it. @default 40 */
  trimDb?: number | null;
  /** 'folders': `out/<label>/<label>_<voice>_<take>.wav`; 'flat': the same names directly in `out`. @default 'folders' */
  layout?: 'folders' | 'flat';
  /** Seeds the rate and pitch of every clip: the same seed writes the same bytes. @default 42 */
  seed?: number;
  /** espeak-ng processes run at once. @default 2 */
  concurrency?: number;
  /** The espeak-ng executable. @default 'espeak-ng' */
  espeak?: string;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** One written clip; `file` is relative to the output folder. */
export interface SynthSpeechClip {
  file: string;
  label: string;
  word: string;
  voice: string;
  rate: number;
  pitch: number;
  durationSeconds: number;
}

export interface SynthSpeechResult {
  out: string;
  clips: SynthSpeechClip[];
  voicesUsed: string[];
  voicesMissing: string[];
  /** `espeak-ng --version` without its data path, e.g. 'eSpeak NG text-to-speech: 1.51'. */
  espeakVersion: string;
  durationMs: number;
}

const DEFAULTS = {
  words: DIGIT_WORDS as readonly string[],
  voices: SPEECH_VOICES as readonly string[],
  perWord: 5,
  rates: [120, 140, 160, 180, 200] as readonly number[],
  pitches: [25, 35, 50, 65, 75] as readonly number[],
  sampleRate: 8000,
  trimDb: 40 as number | null,
  layout: 'folders' as 'folders' | 'flat',
  seed: 42,
  concurrency: 2,
  espeak: 'espeak-ng',
};
const KNOWN_KEYS = [...Object.keys(DEFAULTS), 'out', 'force', 'labels', 'signal', 'onProgress'];
/** Names become folder and file names, and `_` separates the parts of a file name. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N}' -]*$/u;
const VOICE = /^[A-Za-z0-9-]+(\+[A-Za-z0-9-]+)?$/;

function missingEspeak(espeak: string, err: unknown): HeadstartError {
  return new HeadstartError(
    'HS_MISSING_TOOL',
    `Cannot run ${espeak}: espeak-ng is not installed or not on PATH. Install Debian package espeak-ng (apt-get install espeak-ng), or pass its path.`,
    { cause: err },
  );
}

/** The version line and the names espeak-ng accepts after -v: languages, voice names, voice files, and +variants. */
async function espeakInventory(espeak: string): Promise<{ version: string; voices: Set<string>; variants: Set<string> }> {
  let version: string;
  let voiceList: string;
  let variantList: string;
  try {
    // "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/...": keep the version, not the machine's path.
    version = (await run(espeak, ['--version'])).stdout.split(/\s+Data at:|\n/)[0]?.trim() ?? '';
    voiceList = (await run(espeak, ['--voices'])).stdout;
    variantList = (await run(espeak, ['--voices=variant'])).stdout;
  } catch (err) {
    throw missingEspeak(espeak, err);
  }
  // Columns: Pty Language Age/Gender VoiceName File Other-languages
  const rows = (text: string) => text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 5);
  const voices = new Set(rows(voiceList).flatMap((c) => [c[1] ?? '', c[3] ?? '', path.basename(c[4] ?? '')].map((v) => v.toLowerCase())));
  const variants = new Set(rows(variantList).map((c) => path.basename(c[4] ?? '').toLowerCase()));
  return { version, voices, variants };
}

/**
 * Checks, in a second, what `synthSpeech` needs: espeak-ng runs and knows at least one of the voices. Call it before
 * long work that ends in synthetic speech, so a missing program fails at once with the package to install.
 * @throws HeadstartError `HS_MISSING_TOOL`
 */
export async function checkSpeechPrerequisites(
  options: { espeak?: string; voices?: readonly string[] } = {},
): Promise<{ espeakVersion: string; voicesUsed: string[]; voicesMissing: string[] }> {
  const { espeak = DEFAULTS.espeak, voices = DEFAULTS.voices } = options;
  const inventory = await espeakInventory(espeak);
  const known = (voice: string) => {
    const [base = '', variant] = voice.toLowerCase().split('+');
    return inventory.voices.has(base) && (variant === undefined || inventory.variants.has(variant));
  };
  const voicesUsed = voices.filter(known);
  if (voicesUsed.length === 0) {
    throw new HeadstartError('HS_MISSING_TOOL', `None of the voices ${voices.join(', ')} exists in ${inventory.version}. Pick voices that 'espeak-ng --voices' lists.`);
  }
  return { espeakVersion: inventory.version, voicesUsed, voicesMissing: voices.filter((v) => !known(v)) };
}

function checkList<T>(name: string, list: readonly T[] | undefined, ok: (v: T) => boolean, expected: string): void {
  if (!Array.isArray(list) || list.length === 0 || !list.every(ok)) {
    throw invalidOption(`Expected ${name} to be a non-empty list of ${expected}. Received: ${JSON.stringify(list)}.`);
  }
}

/**
 * Writes a labelled speech dataset spoken by espeak-ng: every word in every voice, `perWord` takes each at a rate
 * and pitch drawn from the given lists with a seeded generator. espeak-ng (GPL) runs as a separate process and is
 * never bundled. Its 22.05 kHz output is resampled to `sampleRate`, trimmed, and written as 16-bit PCM WAV, so the
 * same options and espeak-ng version give byte-identical files. SYNTH.json in the folder records every clip's
 * voice, rate and pitch. A simulated source domain for spoken words such as FSDD's digits.
 *
 * @throws HeadstartError `HS_MISSING_TOOL` if espeak-ng cannot be run or none of the voices exists;
 *   `HS_GENERATE_FAILED` if it fails on a clip; `HS_INVALID_OPTION` for bad options.
 */
export async function synthSpeech(options: SynthSpeechOptions): Promise<SynthSpeechResult> {
  rejectUnknownKeys('synthSpeech', options, KNOWN_KEYS);
  const o = { ...DEFAULTS, ...options };
  if (typeof o.out !== 'string' || o.out === '') throw invalidOption('synthSpeech needs out: the folder to write the clips to.');
  checkList('words', o.words, (w) => typeof w === 'string' && NAME.test(w), "words of letters, digits, spaces, ' and - (no _)");
  const labels = options.labels ?? o.words;
  checkList('labels', labels, (w) => typeof w === 'string' && NAME.test(w), "class names of letters, digits, spaces, ' and - (no _)");
  if (labels.length !== o.words.length) throw invalidOption(`Expected one label per word: ${o.words.length} words, ${labels.length} labels.`);
  checkList('voices', o.voices, (v) => typeof v === 'string' && VOICE.test(v), 'espeak-ng voice names such as en-us or en-gb+f2');
  checkList('rates', o.rates, (r) => Number.isInteger(r) && r >= 80 && r <= 450, 'integer words-per-minute rates from 80 to 450');
  checkList('pitches', o.pitches, (p) => Number.isInteger(p) && p >= 0 && p <= 99, 'integer pitches from 0 to 99');
  for (const [name, v, min] of [['perWord', o.perWord, 1], ['sampleRate', o.sampleRate, 1000], ['concurrency', o.concurrency, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw invalidOption(`Expected ${name} to be an integer of at least ${min}. Received: ${String(v)}.`);
  }
  if (o.trimDb !== null && !(o.trimDb > 0)) throw invalidOption(`Expected trimDb to be above 0, or null. Received: ${String(o.trimDb)}.`);
  if (o.layout !== 'folders' && o.layout !== 'flat') throw invalidOption(`Expected layout to be one of 'folders', 'flat'. Received: '${String(o.layout)}'.`);
  const started = performance.now();

  await prepareOutput(o.out, { kind: 'dataset', force: options.force ?? false });
  const { espeakVersion, voicesUsed, voicesMissing } = await checkSpeechPrerequisites({ espeak: o.espeak, voices: o.voices });

  // Every random draw happens here, in a fixed order, so the clips do not depend on how the processes interleave.
  const rng = createRng(o.seed);
  const plan: Omit<SynthSpeechClip, 'durationSeconds'>[] = [];
  const takes = new Map<string, number>(); // per label and voice: two words may share a label ('zero', 'oh')
  o.words.forEach((word, w) => {
    const label = labels[w]!;
    for (const voice of voicesUsed) {
      for (let i = 0; i < o.perWord; i++) {
        const rate = o.rates[Math.floor(rng() * o.rates.length)]!;
        const pitch = o.pitches[Math.floor(rng() * o.pitches.length)]!;
        const take = takes.get(`${label}_${voice}`) ?? 0;
        takes.set(`${label}_${voice}`, take + 1);
        const name = `${label}_${voice}_${take}.wav`;
        plan.push({ file: o.layout === 'folders' ? path.join(label, name) : name, label, word, voice, rate, pitch });
      }
    }
  });

  const clips: SynthSpeechClip[] = new Array(plan.length);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-espeak-'));
  try {
    await writeDirAtomic(o.out, async (dir) => {
      if (o.layout === 'folders') for (const label of new Set(labels)) await fs.mkdir(path.join(dir, label));
      let next = 0;
      let done = 0;
      let failed = false;
      const worker = async () => {
        for (let i = next++; i < plan.length && !failed; i = next++) {
          throwIfAborted(o.signal);
          const clip = plan[i]!;
          const raw = path.join(scratch, `${i}.wav`);
          try {
            await run(o.espeak, ['-v', clip.voice, '-s', String(clip.rate), '-p', String(clip.pitch), '-w', raw, '--', clip.word], { signal: o.signal });
          } catch (err) {
            throwIfAborted(o.signal);
            const stderr = (err as { stderr?: string }).stderr?.trim();
            throw new HeadstartError('HS_GENERATE_FAILED', `espeak-ng failed on '${clip.word}' with voice ${clip.voice}: ${stderr || (err as Error).message}.`, { cause: err });
          }
          const audio = decodeWav(await fs.readFile(raw), { name: `espeak-ng output for ${clip.file}` });
          await fs.rm(raw, { force: true });
          let samples = resample(mixToMono(audio.samples), audio.sampleRate, o.sampleRate);
          if (o.trimDb !== null) samples = trimSilence(samples, { thresholdDb: o.trimDb });
          await fs.writeFile(path.join(dir, clip.file), encodeWav({ sampleRate: o.sampleRate, samples: [samples] }, { format: 'pcm16' }));
          clips[i] = { ...clip, durationSeconds: samples.length / o.sampleRate };
          done++;
          if (done % 20 === 0 || done === plan.length) o.onProgress?.({ stage: 'generate', done, total: plan.length, what: 'speech clips' });
        }
      };
      // allSettled: a failing worker must not let the folder be removed while another is still writing into it.
      const settled = await Promise.allSettled(
        Array.from({ length: Math.min(o.concurrency, plan.length) }, () =>
          worker().catch((err: unknown) => {
            failed = true; // the other workers stop taking new clips
            throw err;
          }),
        ),
      );
      const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      const record = {
        generator: 'headstart synth speech',
        espeak: espeakVersion,
        seed: o.seed,
        sampleRate: o.sampleRate,
        trimDb: o.trimDb,
        words: o.words,
        labels,
        voices: voicesUsed,
        perWord: o.perWord,
        rates: o.rates,
        pitches: o.pitches,
        clips,
      };
      await fs.writeFile(path.join(dir, 'SYNTH.json'), `${JSON.stringify(record, null, 2)}\n`);
    }, { marker: 'dataset' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  return { out: path.resolve(o.out), clips, voicesUsed, voicesMissing, espeakVersion: espeakVersion, durationMs: performance.now() - started };
}
