import { constants, promises as fs } from 'node:fs';
import { HeadstartError } from './errors.js';

const MiB = 1024 * 1024;

/**
 * Largest file each kind of input may be. Far above any real input of its kind, and low enough that a wrong path
 * (`/dev/zero`, a disk image) fails at once instead of filling memory; text stays under V8's string limit (~512 MiB).
 */
export const INPUT_SIZE_LIMITS = {
  /** An image file (JPEG, PNG, WebP, ...). */
  image: 256 * MiB,
  /** A WAV file. */
  audio: 512 * MiB,
  /** A text dataset, manifest or sentence file. */
  text: 256 * MiB,
  /** A JSON file of a model or backbone (headstart.json, model.json, tokenizer.json). */
  json: 256 * MiB,
  /** Model weights (weights.bin, model.onnx, .tflite, shards). */
  weights: 2047 * MiB,
} as const;

export type InputKind = keyof typeof INPUT_SIZE_LIMITS;

const NOUNS: Record<InputKind, string> = { image: 'an image', audio: 'a WAV file', text: 'a text file', json: 'a JSON file', weights: 'a weights file' };

function describeType(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The one way input files are read: only regular files (a FIFO or device would block or never end), and at most
 * `INPUT_SIZE_LIMITS[kind]` bytes, checked before reading. Opening does not block (O_NONBLOCK), so a FIFO with no
 * writer is refused rather than waited on.
 * @throws HeadstartError `HS_FILE_NOT_FOUND` (no such file), `HS_INPUT_NOT_A_FILE`, `HS_INPUT_TOO_LARGE`; other
 * read failures as `HS_FILE_NOT_FOUND` with the system's reason.
 */
export async function readInputFile(file: string, kind: InputKind): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file. Check the path' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new HeadstartError('HS_FILE_NOT_FOUND', `Cannot read ${file}: ${reason}.`, { cause: err });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new HeadstartError('HS_INPUT_NOT_A_FILE', `Cannot read ${file}: it is ${describeType(stat)}, not a regular file. Pass ${NOUNS[kind]} instead.`);
    }
    const limit = INPUT_SIZE_LIMITS[kind];
    if (stat.size > limit) {
      throw new HeadstartError(
        'HS_INPUT_TOO_LARGE',
        `Cannot read ${file}: ${(stat.size / MiB).toFixed(0)} MiB is over the ${limit / MiB} MiB limit for ${NOUNS[kind]}. Check that it is the file you meant, or split it into smaller files.`,
      );
    }
    // Read what stat reported; a file that grows while it is read is cut at the limit, never read without end.
    const buffer = Buffer.alloc(Math.min(stat.size, limit));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof HeadstartError) throw err;
    throw new HeadstartError('HS_FILE_NOT_FOUND', `Cannot read ${file}: ${(err as Error).message}.`, { cause: err });
  } finally {
    await handle.close();
  }
}

/** The reason in an error from reading `file`, without readInputFile's "Cannot read FILE: " prefix, for callers that name the file their own way. */
export function readFailureReason(err: unknown, file: string): string {
  const message = (err as Error).message;
  const prefix = `Cannot read ${file}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : `${message}.`;
}

/** {@link readInputFile} decoded as UTF-8. */
export async function readInputText(file: string, kind: InputKind = 'text'): Promise<string> {
  return (await readInputFile(file, kind)).toString('utf8');
}
