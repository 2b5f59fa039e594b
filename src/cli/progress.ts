import type { ProgressCallback, ProgressEvent, SkippedFile } from '../index.js';
import { sanitizeForTerminal } from './terminal-text.js';

/** Skipped files printed one per line; the rest are counted, and listed in the command's result. */
export const SKIP_LINES_SHOWN = 20;

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressRendererOptions {
  /** Where progress goes: stderr. A TTY gets a redrawn bar, anything else plain lines. */
  stream: ProgressStream;
  /** Draw nothing. @default false */
  quiet?: boolean;
  /** Print `skip` events. Off where the command lists skipped files in its own output. @default true */
  showSkips?: boolean;
  /** Skipped files printed before the rest are only counted. @default SKIP_LINES_SHOWN */
  maxSkipLines?: number;
  /** Least time between two epoch lines; the first, the last and the final pending epoch always print. @default 1000 */
  epochIntervalMs?: number;
  /** Clock in milliseconds. @default performance.now */
  now?: () => number;
}

export interface ProgressRenderer {
  onProgress: ProgressCallback;
  /** Ends an unfinished bar line and prints a held-back epoch line; call before writing results. */
  flush(): void;
  /**
   * Prints the skipped files of a result that no `skip` event showed (files left out while listing the data, bad
   * text rows), within the same cap, then how many were not printed and where they all are.
   */
  reportSkipped(skipped: readonly SkippedFile[], where: string): void;
}

/** A counted phase drawn as a bar: feature extraction, or files a generator writes. */
interface CountPhase {
  /** Bar prefix: 'features', or what a generator writes. */
  label: string;
  /** Rate unit: 'items/s' (images, clips or texts), 'files/s'. */
  unit: string;
  total: number;
  startMs: number;
  startDone: number;
  lastDone: number;
  /** Tenths printed so far (non-TTY). */
  lastDecile: number;
}

const CLEAR_LINE = '\r\x1b[K';

/** `75s` -> `1m15s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function epochLine(e: Extract<ProgressEvent, { stage: 'epoch' }>): string {
  const parts = [`epoch ${e.epoch}/${e.epochs}`, `loss ${e.loss.toFixed(4)}`];
  if (e.valLoss !== undefined) parts.push(`val loss ${e.valLoss.toFixed(4)}`);
  if (e.valAccuracy !== undefined) parts.push(`val acc ${(e.valAccuracy * 100).toFixed(1)}%`);
  return parts.join('  ');
}

/**
 * Renders ProgressEvents on stderr: feature extraction and generated files as a bar with count, rate and ETA on a TTY (one line per 10%
 * otherwise), epochs throttled to about one line a second, each skipped file on its own line, a backbone conversion
 * once.
 */
export function createProgressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const { stream, quiet = false, showSkips = true, maxSkipLines = SKIP_LINES_SHOWN, epochIntervalMs = 1000, now = () => performance.now() } = options;
  const tty = stream.isTTY === true;
  let phase: CountPhase | undefined;
  /** Text of the bar currently drawn on the last line (TTY only). */
  let barText: string | undefined;
  let pendingEpoch: string | undefined;
  let lastEpochMs = -Infinity;
  const converted = new Set<string>();
  /** Skips seen (`file\0reason`), printed or only counted, so a result's list does not print them twice. */
  const skipsSeen = new Set<string>();
  const skipsPrinted = new Set<string>();
  const skipKey = (s: SkippedFile) => `${s.file}\0${s.reason}`;

  const writeLine = (line: string) => {
    if (barText !== undefined) stream.write(CLEAR_LINE);
    stream.write(`${sanitizeForTerminal(line)}\n`);
    if (barText !== undefined) stream.write(barText);
  };

  const flushEpoch = () => {
    if (pendingEpoch === undefined) return;
    const line = pendingEpoch;
    pendingEpoch = undefined;
    writeLine(line);
  };

  const countText = (p: CountPhase, done: number, cached: number): string => {
    const elapsed = (now() - p.startMs) / 1000;
    const rate = elapsed > 0 && done > p.startDone ? (done - p.startDone) / elapsed : undefined;
    const pct = p.total > 0 ? Math.floor((done / p.total) * 100) : 100;
    const parts = [`${done}/${p.total}`, `${pct}%`];
    if (rate !== undefined) parts.push(`${rate.toFixed(1)} ${p.unit}`);
    if (done < p.total && rate !== undefined) parts.push(`ETA ${formatDuration((p.total - done) / rate)}`);
    if (cached > 0) parts.push(`${cached} from cache`);
    if (!tty) return `${p.label} ${parts.join('  ')}`;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    const filled = p.total > 0 ? Math.round((done / p.total) * width) : width;
    return `${p.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${parts.join('  ')}`;
  };

  const shardNote = (e: Extract<ProgressEvent, { stage: 'shard' }>): string => {
    const elapsed = phase?.label === 'shards' ? (now() - phase.startMs) / 1000 : 0;
    return `  ${e.images} images${elapsed > 0 ? ` (${(e.images / elapsed).toFixed(1)} images/s)` : ''}, ${e.workers} worker${e.workers === 1 ? '' : 's'}`;
  };

  const onCount = (e: { label: string; unit: string; done: number; total: number; cached: number }, note = '') => {
    if (!phase || e.label !== phase.label || e.total !== phase.total || e.done < phase.lastDone) {
      phase = { label: e.label, unit: e.unit, total: e.total, startMs: now(), startDone: e.done, lastDone: e.done, lastDecile: -1 };
    }
    phase.lastDone = e.done;
    const text = countText(phase, e.done, e.cached) + note;
    const complete = e.done >= e.total;
    if (tty) {
      stream.write(CLEAR_LINE + text);
      barText = text;
      if (complete) {
        stream.write('\n');
        barText = undefined;
      }
      return;
    }
    const decile = e.total > 0 ? Math.floor((e.done * 10) / e.total) : 10;
    if (decile > phase.lastDecile) {
      phase.lastDecile = decile;
      stream.write(`${text}\n`);
    }
  };

  /** Prints a skipped file while fewer than `maxSkipLines` were printed; later ones are only counted. */
  const onSkip = (s: SkippedFile): void => {
    const key = skipKey(s);
    if (skipsSeen.has(key)) return;
    skipsSeen.add(key);
    if (!showSkips || skipsPrinted.size >= maxSkipLines) return;
    skipsPrinted.add(key);
    writeLine(`skipped ${s.file}: ${s.reason}`);
  };

  const onProgress: ProgressCallback = (event) => {
    if (quiet) return;
    if (event.stage !== 'epoch') flushEpoch();
    switch (event.stage) {
      case 'extract':
        onCount({ label: 'features', unit: 'items/s', done: event.done, total: event.total, cached: event.cached });
        return;
      case 'shard':
        onCount({ label: 'shards', unit: 'shards/s', done: event.done, total: event.total, cached: 0 }, shardNote(event));
        return;
      case 'generate':
        onCount({ label: event.what, unit: 'files/s', done: event.done, total: event.total, cached: 0 });
        return;
      case 'epoch': {
        const line = epochLine(event);
        const t = now();
        if (event.epoch === 1 || event.epoch >= event.epochs || t - lastEpochMs >= epochIntervalMs) {
          pendingEpoch = undefined;
          lastEpochMs = t;
          writeLine(line);
        } else {
          pendingEpoch = line;
        }
        return;
      }
      case 'skip':
        onSkip(event);
        return;
      case 'convert':
        if (!converted.has(event.model)) {
          converted.add(event.model);
          writeLine(event.message);
        }
        return;
      case 'done':
        writeLine(event.message);
        return;
    }
  };

  const flushBar = () => {
    flushEpoch();
    if (barText !== undefined) {
      stream.write('\n');
      barText = undefined;
    }
  };

  return {
    onProgress,
    reportSkipped(skipped, where) {
      if (quiet || !showSkips) return;
      flushBar();
      for (const s of skipped) onSkip(s);
      const hidden = skipped.filter((s) => !skipsPrinted.has(skipKey(s))).length;
      if (hidden > 0) writeLine(`... and ${hidden} more skipped file${hidden === 1 ? '' : 's'}, all listed in ${where}`);
    },
    flush: flushBar,
  };
}
