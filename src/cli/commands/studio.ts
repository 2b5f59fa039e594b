import { spawn } from 'node:child_process';
import { startStudio } from '../../studio/index.js';
import type { StartStudioOptions } from '../../studio/index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';

/** Hands the URL to the desktop's browser; failing to find one is not an error (the URL is printed anyway). */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

export const studioCommand = defineCommand({
  name: 'studio',
  summary: 'A local web app: collect examples (upload, webcam, pasted text), train, inspect mistakes, test live, export.',
  description:
    'Serves a page on 127.0.0.1 (a random token in the printed URL is checked on every request) over one project folder: ' +
    'classes/<label>/<files> plus project.json, so `headstart train --data DIR/classes` reads the same data. ' +
    'Without --project it opens a demo project of the bundled flower photos in HEADSTART_HOME/studio-demo. ' +
    'With --json it prints one JSON document ({ url, projectDir }) once the server listens. Ctrl-C stops it.',
  flags: {
    project: { kind: 'string', placeholder: 'DIR', default: '<HEADSTART_HOME>/studio-demo', description: 'Project folder, opened if it has a project.json, else created from the page.', group: 'Data' },
    port: { kind: 'integer', min: 0, default: 8470, description: 'Port to listen on (0 picks a free one).', group: 'Server' },
    host: { kind: 'string', placeholder: 'ADDRESS', default: '127.0.0.1', description: 'Address to listen on; anything but loopback exposes the studio to your network (a warning is printed).', group: 'Server' },
    open: { kind: 'boolean', description: 'Open the page in the default browser.', group: 'Server' },
  },
  env: envHelp(),
  examples: ['headstart studio', 'headstart studio --project my-classifier --open', 'headstart studio --project my-classifier --port 0 --json'],
  async run({ flags }, ctx) {
    const options: StartStudioOptions = { port: flags.port ?? 8470 };
    if (flags.project !== undefined) options.project = flags.project;
    if (flags.host !== undefined) options.host = flags.host;
    if (ctx.home !== undefined) options.home = ctx.home;
    const studio = await startStudio(options);
    for (const warning of studio.warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
    ctx.print({ url: studio.url, projectDir: studio.projectDir, port: studio.port, host: studio.host }, () =>
      [`headstart studio: ${studio.projectDir}`, `Open ${studio.url}`, 'Ctrl-C stops the server.'].join('\n'),
    );
    if (flags.open) openBrowser(studio.url);
    await new Promise<void>((resolve) => {
      if (!ctx.signal || ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await studio.close();
  },
});
