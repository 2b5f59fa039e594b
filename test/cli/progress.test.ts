import { describe, expect, it } from 'vitest';
import { createProgressRenderer, formatDuration } from '../../src/cli/progress.js';
import type { ProgressStream } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): ProgressStream & { text: string } {
  const stream = { text: '', isTTY, columns: 100, write: (t: string) => (stream.text += t) };
  return stream;
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress renderer', () => {
  it('prints one extract line per 10% when stderr is not a TTY, with rate and ETA', () => {
    const stream = fakeStream(false);
    const c = clock();
    const r = createProgressRenderer({ stream, now: c.now });
    for (let done = 4; done <= 100; done += 4) {
      r.onProgress({ stage: 'extract', done, total: 100, cached: 0 });
      c.advance(200);
    }
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(11); // 4% (first), then each tenth up to 100%
    expect(lines[0]).toBe('features 4/100  4%');
    expect(lines[1]).toBe('features 12/100  12%  20.0 items/s  ETA 4s');
    expect(lines.at(-1)).toBe('features 100/100  100%  20.0 items/s');
    expect(stream.text).not.toContain('\r');
  });

  it('redraws one bar line on a TTY and ends it when extraction completes', () => {
    const stream = fakeStream(true);
    const c = clock();
    const r = createProgressRenderer({ stream, now: c.now });
    r.onProgress({ stage: 'extract', done: 16, total: 32, cached: 16 });
    c.advance(1000);
    r.onProgress({ stage: 'skip', file: 'a/bad.jpg', reason: 'not an image' });
    r.onProgress({ stage: 'extract', done: 32, total: 32, cached: 16 });
    expect(stream.text).toContain('\r\x1b[Kfeatures [');
    expect(stream.text).toContain('16/32  50%');
    expect(stream.text).toContain('\r\x1b[Kskipped a/bad.jpg: not an image\n');
    expect(stream.text).toMatch(/32\/32 {2}100% {2}16\.0 items\/s {2}16 from cache\n$/);
  });

  it('throttles epoch lines but always shows the first, the last and the final pending one', () => {
    const stream = fakeStream(false);
    const c = clock();
    const r = createProgressRenderer({ stream, now: c.now, epochIntervalMs: 1000 });
    for (let epoch = 1; epoch <= 30; epoch++) {
      r.onProgress({ stage: 'epoch', epoch, epochs: 100, loss: 1 / epoch, valAccuracy: 0.5 });
      c.advance(100);
    }
    r.flush();
    const lines = stream.text.trimEnd().split('\n');
    expect(lines[0]).toBe('epoch 1/100  loss 1.0000  val acc 50.0%');
    expect(lines.map((l) => Number(/epoch (\d+)/.exec(l)?.[1]))).toEqual([1, 11, 21, 30]);
  });

  it('prints a conversion once, skips as `skipped <file>: <reason>`, and nothing when quiet', () => {
    const stream = fakeStream(false);
    const r = createProgressRenderer({ stream });
    const convert = { stage: 'convert', model: 'mobilenet-v2', message: 'converting mobilenet-v2 (once)' } as const;
    r.onProgress(convert);
    r.onProgress(convert);
    r.onProgress({ stage: 'skip', file: 'x.png', reason: 'truncated' });
    expect(stream.text).toBe('converting mobilenet-v2 (once)\nskipped x.png: truncated\n');

    const quiet = fakeStream(true);
    const q = createProgressRenderer({ stream: quiet, quiet: true });
    q.onProgress(convert);
    q.onProgress({ stage: 'extract', done: 1, total: 2, cached: 0 });
    q.onProgress({ stage: 'epoch', epoch: 1, epochs: 1, loss: 0 });
    q.flush();
    expect(quiet.text).toBe('');
  });

  it('formats durations', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3 * 3600 + 60 * 7)).toBe('3h07m');
  });
});
