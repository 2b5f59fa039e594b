import { HeadstartError, invalidChoice, invalidOption, readInputFile, rejectUnknownKeys } from '../../core/index.js';
import { describeStart } from '../decode-image.js';

/** Sample encodings headstart reads and writes: integer PCM (8-bit unsigned, others signed) and IEEE float. */
export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';
export const WAV_SAMPLE_FORMATS: readonly WavSampleFormat[] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32', 'float64'];

/** Decoded audio: one Float32Array per channel, samples in [-1, 1] (float files may exceed it). */
export interface WavAudio {
  sampleRate: number;
  /** Channels in the file (before any mono mix). */
  channels: number;
  /** One array per channel, or a single mixed array with `mono: true`. */
  samples: Float32Array[];
  /** How the file stored its samples. */
  format: WavSampleFormat;
}

export interface DecodeWavOptions {
  /** Average all channels into one. @default false */
  mono?: boolean;
  /** Names the source in error messages when decoding bytes. @default 'WAV data' */
  name?: string;
}

export interface EncodeWavOptions {
  /** Sample encoding of the file. @default 'pcm16' */
  format?: WavSampleFormat;
}

const DECODE_KEYS = ['mono', 'name'];
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Codes seen in the wild that are not plain PCM or float, for a useful message. */
const KNOWN_CODECS: Record<number, string> = { 2: 'MS ADPCM', 6: 'A-law', 7: 'mu-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };

function unreadable(name: string, why: string, fix = 'Re-export it as PCM or float WAV'): HeadstartError {
  return new HeadstartError('HS_AUDIO_UNREADABLE', `Cannot decode ${name}: ${why}. ${fix}, or pass --on-bad-file skip.`);
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function sampleFormat(name: string, code: number, bits: number): WavSampleFormat {
  if (code === WAVE_FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32)) return `pcm${bits}`;
  if (code === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64)) return `float${bits}`;
  if (code === WAVE_FORMAT_PCM || code === WAVE_FORMAT_IEEE_FLOAT) {
    throw unreadable(name, `${bits}-bit ${code === WAVE_FORMAT_PCM ? 'PCM' : 'float'} samples are not supported (PCM: 8, 16, 24, 32 bits; float: 32, 64 bits)`);
  }
  const codec = KNOWN_CODECS[code];
  throw unreadable(name, `format code ${code}${codec ? ` (${codec})` : ''} is not supported; only PCM (1) and IEEE float (3) are`);
}

interface FmtChunk {
  format: WavSampleFormat;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

function parseFmt(name: string, view: DataView, at: number, size: number): FmtChunk {
  if (size < 16) throw unreadable(name, `its 'fmt ' chunk is ${size} bytes, expected at least 16`);
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its sub-format GUID.
    if (size < 40) throw unreadable(name, `its extensible 'fmt ' chunk is ${size} bytes, expected 40`);
    code = view.getUint16(at + 24, true);
  }
  const format = sampleFormat(name, code, bits);
  if (channels < 1) throw unreadable(name, 'the header declares 0 channels');
  if (sampleRate < 1) throw unreadable(name, 'the header declares a sample rate of 0 Hz');
  if (blockAlign !== channels * (bits / 8)) {
    throw unreadable(name, `the block size is ${blockAlign} bytes, but ${channels} channel(s) of ${bits}-bit samples take ${channels * (bits / 8)}`);
  }
  return { format, channels, sampleRate, blockAlign };
}

function readSamples(view: DataView, start: number, frames: number, fmt: FmtChunk): Float32Array[] {
  const { channels, format, blockAlign } = fmt;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const width = blockAlign / channels;
  for (let c = 0; c < channels; c++) {
    const dst = out[c]!;
    let p = start + c * width;
    for (let i = 0; i < frames; i++, p += blockAlign) {
      switch (format) {
        case 'pcm8':
          dst[i] = (view.getUint8(p) - 128) / 128;
          break;
        case 'pcm16':
          dst[i] = view.getInt16(p, true) / 32768;
          break;
        case 'pcm24':
          dst[i] = ((view.getInt8(p + 2) << 16) | (view.getUint8(p + 1) << 8) | view.getUint8(p)) / 8388608;
          break;
        case 'pcm32':
          dst[i] = view.getInt32(p, true) / 2147483648;
          break;
        case 'float32':
          dst[i] = view.getFloat32(p, true);
          break;
        case 'float64':
          dst[i] = view.getFloat64(p, true);
          break;
      }
    }
  }
  return out;
}

/** The average of all channels. */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const n = channels[0]?.length ?? 0;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  for (let i = 0; i < n; i++) out[i]! /= channels.length;
  return out;
}

/**
 * Decodes a RIFF/WAVE file held in memory: PCM 8, 16, 24 or 32 bits, IEEE float 32 or 64 bits (also inside
 * WAVE_FORMAT_EXTENSIBLE), any channel count and sample rate. Chunks other than 'fmt ' and 'data' (LIST, fact,
 * cue ...) are skipped. A trailing partial sample frame is dropped. Integer samples are scaled by 2^(bits-1).
 * Samples are held as float32, so pcm32 and float64 files keep 24 significant bits.
 *
 * @throws HeadstartError `HS_AUDIO_UNREADABLE`, naming the source, for a file that is not RIFF/WAVE, is truncated
 *   (the header promises more audio than the file holds), or uses an unsupported sample format.
 */
export function decodeWav(bytes: Uint8Array, options: DecodeWavOptions = {}): WavAudio {
  rejectUnknownKeys('decodeWav', options, DECODE_KEYS);
  const name = options.name ?? 'WAV data';
  if (bytes.length < 12 || fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WAVE') {
    const what = bytes.length === 0 ? 'the file is empty' : `${describeStart(bytes)}, not a RIFF/WAVE header ("RIFF....WAVE")`;
    throw unreadable(name, what, 'Convert it to WAV');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: FmtChunk | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourCc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + size > bytes.length) throw unreadable(name, "the file is truncated inside its 'fmt ' chunk");
      fmt = parseFmt(name, view, body, size);
    } else if (id === 'data') {
      if (!fmt) throw unreadable(name, "its 'data' chunk comes before the 'fmt ' chunk that describes it");
      // 0xFFFFFFFF is what streaming writers put when they cannot seek back: the audio runs to the end of the file.
      const available = bytes.length - body;
      if (size !== 0xffffffff && size > available) {
        throw unreadable(name, `the file is truncated: the header declares ${size} bytes of audio, but only ${available} follow`, 'Re-export or re-download it');
      }
      const length = size === 0xffffffff ? available : size;
      const frames = Math.floor(length / fmt.blockAlign);
      const samples = readSamples(view, body, frames, fmt);
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        samples: options.mono ? [mixToMono(samples)] : samples,
        format: fmt.format,
      };
    }
    at = body + size + (size % 2); // chunks are padded to an even size
  }
  throw unreadable(name, fmt ? "the file is truncated: it has no 'data' chunk" : "the file has no 'fmt ' chunk", 'Re-export or re-download it');
}

/**
 * Reads and decodes a WAV file (see {@link decodeWav}); bytes are decoded directly.
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND`, `HS_INPUT_NOT_A_FILE` or `HS_INPUT_TOO_LARGE` (see readInputFile);
 * `HS_AUDIO_UNREADABLE` naming the file when it does not decode.
 */
export async function readWav(source: string | Uint8Array, options: DecodeWavOptions = {}): Promise<WavAudio> {
  if (typeof source !== 'string') return decodeWav(source, options);
  return decodeWav(await readInputFile(source, 'audio'), { ...options, name: options.name ?? source });
}

const BYTES_PER_SAMPLE: Record<WavSampleFormat, number> = { pcm8: 1, pcm16: 2, pcm24: 3, pcm32: 4, float32: 4, float64: 8 };

/** Rounds to the nearest integer step of a `bits`-bit PCM sample, saturating at full scale. */
function quantize(x: number, bits: number): number {
  const scale = 2 ** (bits - 1);
  const v = Math.round(x * scale);
  return v >= scale ? scale - 1 : v < -scale ? -scale : v;
}

/**
 * Encodes audio as a RIFF/WAVE file: a 16-byte 'fmt ' chunk for PCM; for float, an 18-byte one and a 'fact' chunk,
 * as the format requires. Integer formats round x * 2^(bits-1) and saturate, so decoding what this writes returns
 * the same values for pcm8 to pcm24.
 */
export function encodeWav(audio: { sampleRate: number; samples: readonly Float32Array[] }, options: EncodeWavOptions = {}): Uint8Array {
  rejectUnknownKeys('encodeWav', options, ['format']);
  const format = options.format ?? 'pcm16';
  if (!WAV_SAMPLE_FORMATS.includes(format)) throw invalidChoice('format', format, WAV_SAMPLE_FORMATS);
  const { sampleRate, samples } = audio;
  const channels = samples.length;
  if (channels < 1 || channels > 65535) throw invalidOption(`Expected 1 to 65535 channels. Received: ${channels}.`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw invalidOption(`Expected sampleRate to be a positive integer. Received: ${String(sampleRate)}.`);
  const frames = samples[0]!.length;
  if (samples.some((ch) => ch.length !== frames)) throw invalidOption(`Every channel must hold the same number of samples; lengths are ${samples.map((c) => c.length).join(', ')}.`);

  const isFloat = format === 'float32' || format === 'float64';
  const width = BYTES_PER_SAMPLE[format];
  const blockAlign = channels * width;
  const dataSize = frames * blockAlign;
  const fmtSize = isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const total = 12 + 8 + fmtSize + factSize + 8 + dataSize + (dataSize % 2);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const writeId = (at: number, id: string) => {
    for (let i = 0; i < 4; i++) bytes[at + i] = id.charCodeAt(i);
  };
  writeId(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  writeId(8, 'WAVE');
  writeId(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, width * 8, true);
  let at = 20 + fmtSize; // an 18-byte fmt ends with cbSize = 0, already zero
  if (isFloat) {
    writeId(at, 'fact');
    view.setUint32(at + 4, 4, true);
    view.setUint32(at + 8, frames, true);
    at += 12;
  }
  writeId(at, 'data');
  view.setUint32(at + 4, dataSize, true);
  at += 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, at += width) {
      const x = samples[c]![i]!;
      switch (format) {
        case 'pcm8':
          view.setUint8(at, quantize(x, 8) + 128);
          break;
        case 'pcm16':
          view.setInt16(at, quantize(x, 16), true);
          break;
        case 'pcm24': {
          const v = quantize(x, 24);
          view.setUint8(at, v & 0xff);
          view.setUint8(at + 1, (v >> 8) & 0xff);
          view.setInt8(at + 2, v >> 16);
          break;
        }
        case 'pcm32':
          view.setInt32(at, quantize(x, 32), true);
          break;
        case 'float32':
          view.setFloat32(at, x, true);
          break;
        case 'float64':
          view.setFloat64(at, x, true);
          break;
      }
    }
  }
  return bytes;
}
