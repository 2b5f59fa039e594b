import { promises as fs } from 'node:fs';
import path from 'node:path';

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
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

/**
 * Builds a directory in a temporary sibling, then swaps it in. An existing target is moved aside first and
 * removed only after the new one is in place, so an interruption leaves a complete directory behind.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const tmp = tempName(target);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = `${tmp}-old`;
  const exists = await fs.stat(target).then(() => true, () => false);
  if (exists) await fs.rename(target, old);
  await fs.rename(tmp, target);
  if (exists) await fs.rm(old, { recursive: true, force: true });
}
