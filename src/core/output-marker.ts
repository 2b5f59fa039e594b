import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The file in every output folder headstart writes, saying what wrote it: only such a folder is replaced without `force`. */
export const OUTPUT_MARKER_FILE = '.headstart-output.json';

/**
 * What an output folder holds. A folder is replaced by an output of its own kind only: a model by a model, a
 * dataset by a dataset, never a dataset by a model.
 */
export type OutputKind = 'model' | 'tfjs-export' | 'dataset' | 'report' | 'work-folder';
export const OUTPUT_KINDS: readonly OutputKind[] = ['model', 'tfjs-export', 'dataset', 'report', 'work-folder'];

export interface OutputMarker {
  writtenBy: 'headstart';
  kind: OutputKind;
  /** Version of this marker's format. */
  markerVersion: 1;
}

export async function writeOutputMarker(dir: string, kind: OutputKind): Promise<void> {
  const marker: OutputMarker = { writtenBy: 'headstart', kind, markerVersion: 1 };
  await fs.writeFile(path.join(dir, OUTPUT_MARKER_FILE), `${JSON.stringify(marker)}\n`);
}

/** The kind recorded in `dir`'s marker, or undefined when it has none (or one headstart did not write). */
export async function readOutputMarker(dir: string): Promise<OutputKind | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(path.join(dir, OUTPUT_MARKER_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const marker = parsed as Partial<OutputMarker> | null;
  if (typeof marker !== 'object' || marker === null || marker.writtenBy !== 'headstart') return undefined;
  return OUTPUT_KINDS.find((k) => k === marker.kind);
}
