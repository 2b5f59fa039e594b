import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../src/index.js';
import { parseJsonStdout, useCliWithTempHome } from './run-headstart.js';

const run = useCliWithTempHome();

describe('headstart zoo list', () => {
  it('--json prints the cards of the bundled backbones', async () => {
    const r = await run('zoo', 'list', '--json');
    expect(r.code).toBe(0);
    const cards = parseJsonStdout<ModelCard[]>(r);
    const ids = cards.map((c) => c.id);
    expect(ids).toContain('mobilenet-v2');
    expect(ids).toContain('inception-v3');
  });

  it('prints a table with one row per backbone', async () => {
    const r = await run('zoo', 'list');
    expect(r.code).toBe(0);
    const [header] = r.stdout.split('\n');
    for (const column of ['id', 'name', 'input', 'default cut', 'embedding', 'origin', 'licence']) expect(header).toContain(column);
    expect(r.stdout).toMatch(/^mobilenet-v2 .*224x224 .*block_13_expand_relu/m);
    expect(r.stdout).toMatch(/^inception-v3 .*299x299/m);
    // Text backbones follow in their own table; the JSON list holds them too, with modality 'text'.
    expect(r.stdout).toMatch(/Text backbones:\nid +name +kind +pooling/);
    expect(r.stdout).toMatch(/^glove-wink-100d .*word-vectors +mean, sif +100/m);
    const json = parseJsonStdout<{ id: string; modality: string }[]>(await run('zoo', 'list', '--json'));
    expect(json.find((c) => c.id === 'glove-wink-100d')?.modality).toBe('text');
  });

  it('zoo show prints a text backbone\'s card', async () => {
    const r = await run('zoo', 'show', 'glove-wink-100d');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kind +word-vectors$/m);
    expect(r.stdout).toMatch(/^poolings +mean, sif$/m);
  });
});

describe('headstart zoo show', () => {
  it('--json prints the full card, with defaultCut among the cut points', async () => {
    const r = await run('zoo', 'show', 'mobilenet-v2', '--json');
    expect(r.code).toBe(0);
    const card = parseJsonStdout<ModelCard>(r);
    expect(card.id).toBe('mobilenet-v2');
    expect(typeof card.defaultCut).toBe('string');
    expect(card.cutPoints.map((p) => p.layer)).toContain(card.defaultCut);
  });

  it('prints every field and every cut point', async () => {
    const [human, json] = await Promise.all([run('zoo', 'show', 'inception-v3'), run('zoo', 'show', 'inception-v3', '--json')]);
    expect(human.code).toBe(0);
    const card = parseJsonStdout<ModelCard>(json);
    for (const label of ['id', 'name', 'format', 'input', 'default cut', 'default pooling', 'embedding size', 'weights source', 'trained on', 'pretrained layers', 'licence']) {
      expect(human.stdout).toMatch(new RegExp(`^${label} `, 'm'));
    }
    for (const point of card.cutPoints) expect(human.stdout).toContain(point.layer);
    expect(human.stdout.replace(/\s+/g, ' ')).toContain(card.licence);
  });

  it('takes exactly one id', async () => {
    const r = await run('zoo', 'show', 'a', 'b');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('at most 1 ID');
  });
});

describe('headstart zoo layers', () => {
  it('--json lists every layer with its output shape, including the default cut', async () => {
    const r = await run('zoo', 'layers', 'mobilenet-v2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const layers = parseJsonStdout<{ name: string; className: string; shape: (number | null)[] }[]>(r);
    expect(layers.length).toBeGreaterThan(100);
    expect(layers.find((l) => l.name === 'block_13_expand_relu')).toEqual({ name: 'block_13_expand_relu', className: 'ReLU', shape: [null, 14, 14, 576] });
  });
});
