import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportModel, writeDirAtomic } from '../index.js';
import type { ExportModelResult } from '../index.js';

/** The page template of a web export, beside the studio's own pages (read from the source tree, also when run from dist/). */
const WEB_PAGE = fileURLToPath(new URL('../../src/studio/web-export/index.html', import.meta.url));
/** TF.js's browser bundle (Apache-2.0), copied beside the page so the export runs offline and from any static server. */
const requireHere = createRequire(import.meta.url);
const TFJS_BUNDLE = requireHere.resolve('@tensorflow/tfjs/dist/tf.min.js');
const TFJS_VERSION = (requireHere('@tensorflow/tfjs/package.json') as { version: string }).version;

export const STUDIO_EXPORT_FORMATS = ['onnx', 'tfjs', 'web'] as const;
export type StudioExportFormat = (typeof STUDIO_EXPORT_FORMATS)[number];

/** Where each export goes inside `<project>/exports`. */
export const EXPORT_TARGETS: Record<StudioExportFormat, string> = { onnx: 'model.onnx', tfjs: 'tfjs', web: 'web' };

/**
 * Writes a ready-to-use web folder: `model/` (the TF.js export), `index.html` that loads it with TF.js in the browser
 * and classifies dropped images or webcam frames, and `tf.min.js` with its licence notice. The folder is replaced
 * atomically.
 */
export async function writeWebExport(options: { model: string; out: string; home?: string }): Promise<ExportModelResult> {
  let result: ExportModelResult | undefined;
  await writeDirAtomic(options.out, async (dir) => {
    result = await exportModel({ model: options.model, out: path.join(dir, 'model'), format: 'tfjs', ...(options.home !== undefined ? { home: options.home } : {}) });
    await fs.copyFile(WEB_PAGE, path.join(dir, 'index.html'));
    await fs.copyFile(TFJS_BUNDLE, path.join(dir, 'tf.min.js'));
    await fs.writeFile(
      path.join(dir, 'THIRD-PARTY.txt'),
      `tf.min.js is TensorFlow.js ${TFJS_VERSION} (@tensorflow/tfjs), Copyright Google LLC, licensed under the Apache License 2.0:\n` +
        'https://www.apache.org/licenses/LICENSE-2.0\n',
    );
  });
  if (!result) throw new Error('exportModel returned nothing');
  return { ...result, path: path.resolve(options.out) };
}
