import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRAIN_HEAD_DEFAULTS } from '../../src/index.js';
import { REPO, useCliWithTempHome } from './run-headstart.js';

const run = useCliWithTempHome();

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Each command's --help must mention these flags (and every command takes --json, --quiet and --help). */
const KEY_FLAGS: Record<string, string[]> = {
  demo: ['--out', '--backbone', '--no-cache'],
  train: [
    '--data', '--out', '--val', '--backbone', '--cut', '--pooling', '--head', '--split-val', '--split-test',
    '--per-class-train', '--per-class-val', '--per-class-test', '--no-cache', '--strict', '--on-bad-file', '--no-report',
    ...Object.keys(TRAIN_HEAD_DEFAULTS).filter((k) => k !== 'kind').map((k) => `--${kebab(k)}`),
  ],
  eval: ['--model', '--data', '--report-dir', '--top-k', '--strict', '--no-cache'],
  predict: ['--model', '--top-k', 'FILE'],
  'zoo list': [],
  'zoo show': ['ID'],
  'zoo add': [
    '--id', '--model', '--format', '--cut', '--pooling', '--input-size', '--mean', '--std', '--channel-order',
    '--resize', '--name', '--trained-on', '--licence',
  ],
};

describe('headstart --help', () => {
  it('lists every command and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const name of Object.keys(KEY_FLAGS)) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain('HEADSTART_HOME');
  });

  it('also answers to -h and help', async () => {
    const [short, word] = await Promise.all([run('-h'), run('help')]);
    expect(short.code).toBe(0);
    expect(word.code).toBe(0);
    expect(word.stdout).toBe(short.stdout);
  });

  it('prints the package.json version for --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await run(flag);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });
});

describe.each(Object.entries(KEY_FLAGS))('headstart %s --help', (command, flags) => {
  it('exits 0 and mentions the key flags', async () => {
    const r = await run(...command.split(' '), '--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Usage: headstart ${command}`);
    for (const flag of [...flags, '--json', '--quiet', '--help']) expect(r.stdout).toContain(flag);
  });
});

describe('command help', () => {
  it('shows the API defaults of train', async () => {
    const r = await run('train', '--help');
    expect(r.stdout).toMatch(new RegExp(`--epochs N\\s+.*\\(default: ${TRAIN_HEAD_DEFAULTS.epochs}\\)`));
    expect(r.stdout).toMatch(/--head linear\|logistic\|mlp\|knn\|prototype/);
    expect(r.stdout).toContain('(default: auto)');
    expect(r.stdout).toMatch(/default: logistic \(images\),\s+linear \(text\)/);
  });

  it('wins over other arguments, even wrong ones', async () => {
    const r = await run('train', '--data', 'x', '--bogus', '-h');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: headstart train');
  });

  it('is reachable as headstart help <command>', async () => {
    const [viaHelp, viaFlag] = await Promise.all([run('help', 'zoo', 'add'), run('zoo', 'add', '--help')]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('lists the zoo subcommands for headstart zoo --help', async () => {
    const r = await run('zoo', '--help');
    expect(r.code).toBe(0);
    for (const sub of ['zoo list', 'zoo show', 'zoo add']) expect(r.stdout).toContain(sub);
  });
});
