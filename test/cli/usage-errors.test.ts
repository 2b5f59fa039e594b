import { describe, expect, it } from 'vitest';
import { FLOWERS, useCliWithTempHome } from './run-headstart.js';

const run = useCliWithTempHome();

/** A usage error: exit 2, nothing on stdout, `error [HS_INVALID_OPTION]` and every given fragment on stderr. */
async function expectUsageError(args: string[], ...fragments: string[]): Promise<void> {
  const r = await run(...args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^error \[HS_INVALID_OPTION\]: /);
  for (const f of fragments) expect(r.stderr).toContain(f);
}

describe('usage errors exit 2 with nothing on stdout', () => {
  it('no command', () => expectUsageError([], 'No command given', '--help'));

  it('unknown command, with a suggestion', () => expectUsageError(['trian'], "Unknown command 'trian'", "Did you mean 'train'?", "'headstart --help'"));

  it('unknown zoo subcommand', () => expectUsageError(['zoo', 'lst'], "'zoo lst'", "'zoo list'"));

  it('zoo without a subcommand', () => expectUsageError(['zoo'], 'list, show, layers, add'));

  it('unknown flag, named, with a suggestion and a pointer to --help', () =>
    expectUsageError(['train', '--data', FLOWERS, '--out', 'x', '--epoch', '5'], 'Unknown option --epoch', 'Did you mean --epochs?', "'headstart train --help'"));

  it('unknown flag with --json still keeps stdout empty', () => expectUsageError(['zoo', 'list', '--json', '--colour'], '--colour'));

  it('unknown top-level flag', () => expectUsageError(['--verbose'], '--verbose'));

  it('missing --data', () => expectUsageError(['train', '--out', 'x'], '--data DIR', "'headstart train --help'"));

  it('missing --model and --data of eval', () => expectUsageError(['eval'], '--model DIR', '--data DIR'));

  it('predict without files', () => expectUsageError(['predict', '--model', 'm'], 'FILE'));

  it('zoo add without --mean/--std says why preprocessing is required', () =>
    expectUsageError(['zoo', 'add', '--id', 'x', '--model', 'm.json', '--format', 'tfjs-layers', '--cut', 'c'], '--mean R,G,B', '--std R,G,B', 'never guesses'));

  it('zoo add with a mean of two numbers', () =>
    expectUsageError(['zoo', 'add', '--id', 'x', '--model', 'm.json', '--format', 'tfjs-layers', '--cut', 'c', '--mean', '0,0', '--std', '1,1,1'], '--mean', "'0,0'"));

  it.each([
    [['--epochs', 'abc'], ['--epochs', "'abc'", 'integer']],
    [['--epochs', '0'], ['--epochs', '>= 1']],
    [['--learning-rate', '-1'], ['--learning-rate', "'-1'"]],
    [['--head', 'forest'], ["'linear', 'logistic', 'mlp', 'knn', 'prototype'", "'forest'"]],
    [['--pooling', 'mean'], ["'avg', 'max', 'flatten'", "'mean'"]],
    [['--hidden', '256,x'], ['--hidden', "'256,x'"]],
    [['--split-val', '1.5'], ['--split-val', "'1.5'"]],
    [['--json=yes'], ['--json takes no value']],
    [['--epochs'], ['--epochs needs a value']],
    [['surplus'], ["Unexpected argument 'surplus'"]],
    [['--strict', '--on-bad-file', 'skip'], ['--strict']],
    [['--val', FLOWERS, '--split-val', '0.2'], ['--val']],
    [['--per-class-test', '3'], ['--per-class-train']],
    [['--split-val', '0.2', '--per-class-train', '3'], ['not both']],
  ])('train %j', (extra, fragments) => expectUsageError(['train', '--data', FLOWERS, '--out', 'x', ...extra], ...fragments));

  it('an API option check maps to exit 2 as well', () =>
    expectUsageError(['train', '--data', FLOWERS, '--out', 'x', '--split-val', '0.6', '--split-test', '0.5'], 'below 1'));
});

describe('failures exit 1 and name what failed', () => {
  it('train on a folder that does not exist', async () => {
    const r = await run('train', '--data', '/nonexistent', '--out', 'x', '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error \[HS_FILE_NOT_FOUND\]: /);
    expect(r.stderr).toContain('/nonexistent');
  });

  it('eval of a folder that is not a model', async () => {
    const r = await run('eval', '--model', FLOWERS, '--data', FLOWERS);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[HS_MODEL_NOT_FOUND\]: /);
    expect(r.stderr).toContain(FLOWERS);
  });

  it('zoo show of an unknown id lists the known ones', async () => {
    const r = await run('zoo', 'show', 'no-such-net');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error \[HS_MODEL_NOT_FOUND\]: /);
    expect(r.stderr).toContain('no-such-net');
    expect(r.stderr).toContain('mobilenet-v2');
  });
});
