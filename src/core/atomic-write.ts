import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeOutputMarker } from './output-marker.js';
import type { OutputKind } from './output-marker.js';

/** `.NAME.tmp-PID-TIME`: the pid lets a later run tell a dead writer's leftovers from a live writer's work. */
function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
}

const TEMP_SUFFIX = /^(\d+)-(\d+)(-old)?$/;

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The temporaries `writeFileAtomic` and `writeDirAtomic` left beside `target`, grouped by the run that made them. */
async function leftoverTemporaries(target: string): Promise<{ name: string; pid: number; time: number; stamp: string; old: boolean }[]> {
  const prefix = `.${path.basename(target)}.tmp-`;
  let names: string[];
  try {
    names = await fs.readdir(path.dirname(target));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const match = name.startsWith(prefix) ? TEMP_SUFFIX.exec(name.slice(prefix.length)) : null;
    return match ? [{ name, pid: Number(match[1]), time: Number(match[2]), stamp: `${match[1]}-${match[2]}`, old: match[3] !== undefined }] : [];
  });
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

/**
 * Finishes or clears what a killed writer left beside `target`. `writeDirAtomic` renames the old target to
 * `TMP-old` and then the finished `TMP` to the target: a kill between the two renames leaves the target missing with
 * both copies present, and the new copy is complete (it is only renamed once filled), so it is put in place. A `TMP`
 * without its `-old` is half filled, or a finished file whose rename never happened: it is removed. Only
 * temporaries of processes no longer running are touched.
 */
export async function recoverInterruptedWrite(target: string): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const resolved = path.join(dir, path.basename(target));
  const dead = (await leftoverTemporaries(resolved)).filter((t) => !isAlive(t.pid));
  if (!(await exists(resolved))) {
    // The newest run that got as far as moving the old target aside.
    const swap = dead
      .filter((t) => t.old && dead.some((n) => !n.old && n.stamp === t.stamp))
      .sort((a, b) => b.time - a.time)[0];
    if (swap) await fs.rename(path.join(dir, swap.name.replace(/-old$/, '')), resolved);
  }
  for (const t of await leftoverTemporaries(resolved)) {
    if (!isAlive(t.pid)) await fs.rm(path.join(dir, t.name), { recursive: true, force: true });
  }
}

/** Writes a file so that readers see either the old or the new content, never a torn one. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export interface WriteDirAtomicOptions {
  /**
   * Writes the output marker of this kind into the filled folder before it is swapped in, so an output folder never
   * appears without the note that says headstart wrote it (see `prepareOutput`). @default no marker
   */
  marker?: OutputKind;
}

/**
 * Builds a directory in a temporary sibling, then swaps it in. An existing target is moved aside first and
 * removed only after the new one is in place, so an interruption leaves a complete directory behind (put back in
 * place by the next write, see `recoverInterruptedWrite`). Whether the target may be replaced at all is the
 * caller's check (`prepareOutput`), made before the long work.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>, options: WriteDirAtomicOptions = {}): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  await recoverInterruptedWrite(target);
  const tmp = tempName(target);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    if (options.marker) await writeOutputMarker(tmp, options.marker);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${tmp}-old`;
  const had = await exists(target);
  if (had) await fs.rename(target, old);
  await fs.rename(tmp, target);
  if (had) await fs.rm(old, { recursive: true, force: true });
}
