import { promises as fs } from 'node:fs';
import path from 'node:path';
import { recoverInterruptedWrite } from './atomic-write.js';
import { HeadstartError } from './errors.js';
import { OUTPUT_MARKER_FILE, readOutputMarker, writeOutputMarker } from './output-marker.js';
import type { OutputKind } from './output-marker.js';

export interface PrepareOutputOptions {
  /** What will be written; an existing folder is replaced without `force` only when its marker names this kind. */
  kind: OutputKind;
  /** A folder, or a single file (an ONNX export). @default 'folder' */
  shape?: 'folder' | 'file';
  /** Paths the command reads (undefined entries are ignored): the output may not be, lie inside or contain any of them, even with `force`. */
  inputs?: readonly (string | undefined)[];
  /** Replace an existing folder that is not a headstart output of this kind, or an existing file. @default false */
  force?: boolean;
  /** A folder holding all these files counts as this kind without a marker: outputs written before markers existed. @default none */
  legacyFiles?: readonly string[];
  /** File outputs: whether an existing file is an earlier output of this kind, replaced without `force`. @default never */
  isOwnFile?: (file: string) => Promise<boolean>;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The path with symlinks resolved as far as it exists, so `out` and an input are compared as the same files. */
async function realPath(p: string): Promise<string> {
  const resolved = path.resolve(p);
  const rest: string[] = [];
  let head = resolved;
  for (;;) {
    try {
      return path.join(await fs.realpath(head), ...rest.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return resolved;
      rest.push(path.basename(head));
      head = parent;
    }
  }
}

const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

async function checkNoOverlap(out: string, realOut: string, inputs: readonly (string | undefined)[]): Promise<void> {
  for (const input of inputs) {
    if (input === undefined || input === '') continue;
    const realInput = await realPath(input);
    const relation = realOut === realInput ? 'is' : isWithin(realOut, realInput) ? 'lies inside' : isWithin(realInput, realOut) ? 'contains' : undefined;
    if (relation) {
      throw new HeadstartError(
        'HS_OUTPUT_OVERLAPS_INPUT',
        `The output ${out} ${relation} the input ${input}: writing it would replace what is being read. Choose an output path outside the input (--force does not override this).`,
      );
    }
  }
}

/** The nearest folder above `target` that exists; a file on the way means nothing can be created below it. */
async function existingAncestor(target: string): Promise<string> {
  let dir = path.dirname(target);
  for (;;) {
    try {
      const stat = await fs.stat(dir);
      if (!stat.isDirectory()) {
        throw new HeadstartError('HS_OUTPUT_UNWRITABLE', `Cannot write ${target}: ${dir} is a file, not a folder. Choose an output path under a folder.`);
      }
      return dir;
    } catch (err) {
      if (err instanceof HeadstartError) throw err;
      const parent = path.dirname(dir);
      if (parent === dir || (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR')) throw new HeadstartError('HS_OUTPUT_UNWRITABLE', `Cannot write ${target}: ${dir} cannot be read (${errno(err) ?? String(err)}).`, { cause: err });
      dir = parent;
    }
  }
}

/** Creates and removes a folder where the output will go: the one sure test that writing there works. */
async function probeWritable(target: string): Promise<void> {
  const dir = await existingAncestor(target);
  let probe: string | undefined;
  try {
    probe = await fs.mkdtemp(path.join(dir, '.headstart-probe-'));
  } catch (err) {
    throw new HeadstartError('HS_OUTPUT_UNWRITABLE', `Cannot write ${target}: creating a folder in ${dir} failed (${errno(err) ?? String(err)}). Choose an output path you can write to.`, { cause: err });
  } finally {
    if (probe) await fs.rm(probe, { recursive: true, force: true });
  }
}

/** Kinds written into an existing folder file by file, not swapped in whole: `force` adds files, deletes none. */
const IN_PLACE_KINDS: readonly OutputKind[] = ['report', 'work-folder'];

function refuse(out: string, why: string, fix: string): HeadstartError {
  return new HeadstartError('HS_OUTPUT_EXISTS', `The output ${out} already exists and ${why}: headstart will not replace it. ${fix}`);
}

async function checkExisting(out: string, resolved: string, options: PrepareOutputOptions): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(resolved);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    if (errno(err) === 'ENOTDIR') return; // a file on the way: reported by the writability probe
    throw new HeadstartError('HS_OUTPUT_UNWRITABLE', `Cannot check the output ${out} (${errno(err) ?? String(err)}).`, { cause: err });
  }
  const other = 'Choose another path';
  if (options.shape === 'file') {
    if (stat.isDirectory()) throw refuse(out, 'is a folder, where a file is written', `${other}, or remove the folder yourself.`);
    if (!stat.isFile()) throw refuse(out, 'is not a regular file', `${other}.`);
    if (options.force || (await options.isOwnFile?.(resolved))) return;
    throw refuse(out, `is not an earlier headstart ${options.kind}`, `${other}, or pass --force (force: true) to replace it.`);
  }
  if (!stat.isDirectory()) throw refuse(out, 'is a file, where a folder is written', `${other}, or remove the file yourself.`);
  const kind = await readOutputMarker(resolved);
  if (kind === options.kind || options.force) return;
  const entries = await fs.readdir(resolved);
  if (entries.length === 0) return;
  if (kind === undefined && options.legacyFiles?.length && options.legacyFiles.every((f) => entries.includes(f))) return;
  const why = kind === undefined ? `was not written by headstart (it has no ${OUTPUT_MARKER_FILE})` : `holds a headstart ${kind}, not a ${options.kind}`;
  const forced = IN_PLACE_KINDS.includes(options.kind) ? 'write into it anyway' : 'replace it and everything in it';
  throw refuse(out, why, `${other}, or pass --force (force: true) to ${forced}.`);
}

/**
 * The one check before any long work that writes `out`: it may not overlap an input; an existing folder is replaced
 * only when headstart wrote it (its marker names the same kind) or with `force`; the location must be writable. It
 * also finishes or clears what an interrupted earlier write left beside `out`. Resolves to the absolute path.
 */
export async function prepareOutput(out: string, options: PrepareOutputOptions): Promise<string> {
  const resolved = path.resolve(out);
  await checkNoOverlap(out, await realPath(resolved), options.inputs ?? []);
  await existingAncestor(resolved);
  await recoverInterruptedWrite(resolved);
  await checkExisting(out, resolved, options);
  await probeWritable(resolved);
  return resolved;
}

/**
 * Creates `dir` if needed and marks it as a headstart output of `kind`, for folders written in place (reports, work
 * folders, checkpoints) rather than swapped in whole by `writeDirAtomic`.
 */
export async function markOutputFolder(dir: string, kind: OutputKind): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if ((await readOutputMarker(dir)) !== kind) await writeOutputMarker(dir, kind);
}
