import path from 'node:path';
import { prepareOutput } from '../core/index.js';
import type { OutputKind, ProgressCallback } from '../core/index.js';
import { FeatureCache } from '../data/index.js';
import type { BadFilePolicy } from '../data/index.js';
import type { Engine } from '../engines/index.js';
import { defaultHome } from '../zoo/index.js';

/** Options every workflow takes. */
export interface WorkflowOptions {
  /** Folder for converted backbones and the feature cache. @default ~/.cache/headstart */
  home?: string;
  /** Reuse features computed before (SQLite file in `home`). @default true */
  cache?: boolean;
  /** Corrupt or unsupported files: report and skip them, or refuse the run. @default 'skip' */
  onBadFile?: BadFilePolicy;
  /** @default createEngine() (tfjs-wasm) */
  engine?: Engine;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** The option of workflows that write a report or work folder. */
export interface OutputFolderOptions {
  /** Write into `out` even when it holds files headstart did not write (it never deletes them). @default false */
  force?: boolean;
}

/**
 * Checks a report or work folder before the work starts (see prepareOutput); the caller marks it once written
 * (markOutputFolder). Folders from before output markers are recognised by their results.json.
 */
export function prepareOutputFolder(out: string, kind: Extract<OutputKind, 'report' | 'work-folder'>, inputs: readonly (string | undefined)[], force: boolean | undefined): Promise<string> {
  return prepareOutput(out, { kind, inputs, force: force ?? false, legacyFiles: ['results.json'] });
}

export const WORKFLOW_OPTION_KEYS = ['home', 'cache', 'onBadFile', 'engine', 'signal', 'onProgress'];

export function resolveHome(options: WorkflowOptions): string {
  return options.home ?? defaultHome();
}

/** Opens the feature cache unless the caller turned it off; the caller closes it. */
export function openFeatureCache(options: WorkflowOptions): FeatureCache | undefined {
  return options.cache === false ? undefined : FeatureCache.open(path.join(resolveHome(options), 'features.sqlite'));
}
