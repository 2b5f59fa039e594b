import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelManifest, SkippedFile } from '../../index.js';
import { SKIP_LINES_SHOWN } from '../progress.js';
import { shellQuote } from '../text-wrap.js';

/** `3.4%` */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Relative to the working directory when that is shorter, so suggested commands stay readable. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && relative.length < file.length ? relative : file;
}

export function quotedPath(file: string): string {
  return shellQuote(displayPath(file));
}

/** Warning lines and a skipped-files count, or nothing. */
export function warningLines(warnings: readonly string[], skipped: readonly SkippedFile[], where: string): string[] {
  const lines = warnings.map((w) => `warning: ${w}`);
  const shown = skipped.length > SKIP_LINES_SHOWN ? `the first ${SKIP_LINES_SHOWN} listed on stderr above, all` : 'each listed on stderr above, and';
  if (skipped.length > 0) lines.push(`skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} (${shown} in ${where})`);
  return lines;
}

/** The model directory's report.html, if training wrote one. */
export function trainingReportPath(modelDir: string): string | undefined {
  const file = path.join(modelDir, 'report.html');
  return existsSync(file) ? file : undefined;
}

/** The backbone of a trained model in one phrase: an image backbone's cut and pooling, a text backbone's pooling. */
export function backboneText(manifest: ModelManifest): string {
  const b = manifest.backbone;
  if (manifest.modality === 'text') return `${b.id} (${b.pooling} pooling)`;
  const extra = (manifest.extraBackbones ?? []).map((e) => ` + ${e.id} (${e.cut}), each L2-normalised`).join('');
  return `${b.id}, cut at ${manifest.backbone.cut} (${b.pooling} pooling)${extra}${manifest.tta ? `, ${manifest.tta} TTA` : ''}`;
}

/** Where a diagnostics run wrote its report and results, as the closing lines of its summary (none when it wrote none). */
export function reportLines(result: { reportPath?: string; resultsPath?: string }): string[] {
  return result.reportPath ? [`Report   ${result.reportPath}`, `Results  ${result.resultsPath ?? '-'}`] : [];
}
