import { describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/index.js';
import { reportError } from '../../src/cli/errors.js';
import { createProgressRenderer } from '../../src/cli/progress.js';
import { sanitizeForTerminal } from '../../src/cli/terminal-text.js';
import { runCliInProcess } from './helpers.js';

function capture() {
  let text = '';
  return { stream: { write: (t: string) => (text += t) }, text: () => text };
}

describe("the CLI's last-resort error handler", () => {
  it('prints an unexpected error as one line with how to see the stack, never the trace itself', () => {
    const out = capture();
    const err = new TypeError("Cannot read properties of undefined (reading 'shape')\n    at somewhere (file.js:1:1)");
    expect(reportError(err, out.stream)).toBe(1);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("TypeError: Cannot read properties of undefined (reading 'shape')");
    expect(lines[0]).toContain('rerun with HEADSTART_DEBUG=1');
    expect(out.text()).not.toMatch(/^\s+at /m);
  });

  it('prints the stack when HEADSTART_DEBUG asks for it', () => {
    const out = capture();
    reportError(new Error('boom'), out.stream, { debug: true });
    expect(out.text()).toMatch(/^\s+at /m);
    expect(out.text()).toContain('the stack trace follows');
  });

  it('prints a HeadstartError as error [CODE] with its message, terminal escapes made visible', () => {
    const out = capture();
    expect(reportError(new HeadstartError('HS_DATASET_INVALID', 'class \u001b[2J has no images'), out.stream)).toBe(1);
    expect(out.text()).toBe('error [HS_DATASET_INVALID]: class \\x1B[2J has no images\n');
  });

  it('a command that fails exits with its code and one error line, in process as in the binary', async () => {
    const r = await runCliInProcess(['predict', '--model', '/nonexistent/model', 'x.jpg'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error [HS_MODEL_NOT_FOUND]: /nonexistent/model is not a headstart model directory: headstart.json is missing. Pass the --out folder of 'headstart train'.\n");
  });
});

describe('terminal text', () => {
  it('keeps line feeds and tabs and shows every other control character as \\xNN', () => {
    expect(sanitizeForTerminal('a\tb\nc\u001b[31md\u0007\r\u009bx\u007f')).toBe('a\tb\nc\\x1B[31md\\x07\\x0D\\x9Bx\\x7F');
    expect(sanitizeForTerminal('daisy — 雏菊')).toBe('daisy — 雏菊');
  });
});

describe('skipped files on stderr', () => {
  it('prints skip events as they happen up to the cap, then the skips only the result knows, then how many more', () => {
    const out = capture();
    const renderer = createProgressRenderer({ stream: out.stream, maxSkipLines: 3 });
    renderer.onProgress({ stage: 'skip', file: 'a.jpg', reason: 'corrupt' });
    renderer.onProgress({ stage: 'skip', file: 'b.jpg', reason: 'corrupt' });
    const all = ['a.jpg', 'b.jpg', 'c.bmp', 'd.bmp', 'e.bmp'].map((file) => ({ file, reason: file.endsWith('.jpg') ? 'corrupt' : 'unsupported' }));
    renderer.reportSkipped(all, 'report.html');
    expect(out.text().trimEnd().split('\n')).toEqual([
      'skipped a.jpg: corrupt',
      'skipped b.jpg: corrupt',
      'skipped c.bmp: unsupported',
      '... and 2 more skipped files, all listed in report.html',
    ]);
  });

  it('prints nothing more when every skip was already shown', () => {
    const out = capture();
    const renderer = createProgressRenderer({ stream: out.stream });
    renderer.onProgress({ stage: 'skip', file: 'a.jpg', reason: 'corrupt' });
    renderer.reportSkipped([{ file: 'a.jpg', reason: 'corrupt' }], 'report.html');
    expect(out.text()).toBe('skipped a.jpg: corrupt\n');
  });
});
