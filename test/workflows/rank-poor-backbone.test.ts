import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildArchitecture, createEngine, listBackbones, loadImageDataset, rankBackbones, registerBackbone } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

// Every bundled backbone plus a deliberately poor one: the same small CNN headstart trains from scratch, left at its
// random initial weights. Whatever the estimator, the random network must come last.
const home = inject('sharedHome');
let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-rank-poor-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('rank with a random-weight network among the bundled backbones', () => {
  it('ranks the random network last by every estimator that applies, and --verify shows the probe accuracies', async () => {
    const engine = createEngine();
    const random = await buildArchitecture('small-cnn', { inputShape: [224, 224, 3], width: 8, seed: 3 });
    await fs.writeFile(path.join(work, 'model.json'), JSON.stringify(random.artifacts.modelJson));
    await fs.writeFile(path.join(work, 'weights.bin'), random.artifacts.weights);
    await registerBackbone({
      id: 'random-cnn',
      model: path.join(work, 'model.json'),
      format: 'tfjs-layers',
      input: { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [0, 0, 0], std: [255, 255, 255] },
      cut: random.blocks[random.blocks.length - 1]?.output as string,
      home,
      engine,
    });
    await engine.dispose();

    // 20 photos per class keep the slow tfjs graph backbone (mobilenet-v2-1.4) quick.
    const all = await loadImageDataset(FLOWERS);
    const items = all.classes.flatMap((c) => all.items.filter((i) => i.label === c).slice(0, 20));
    const manifest = path.join(work, 'flowers-20.jsonl');
    await fs.writeFile(manifest, items.map((i) => JSON.stringify(i)).join('\n'));
    const bundled = (await listBackbones({ home })).filter((b) => b.origin === 'bundled').map((b) => b.id);
    expect(bundled).toHaveLength(8);

    const result = await rankBackbones({ data: manifest, backbones: [...bundled, 'random-cnn'], verify: true, home, out: path.join(work, 'rank') });
    const last = (score: 'logme' | 'hScore') =>
      [...result.ranking].filter((r) => r.scores[score] !== null).sort((a, b) => (a.scores[score] as number) - (b.scores[score] as number))[0]?.backbone;
    expect(last('logme')).toBe('random-cnn');
    expect(last('hScore')).toBe('random-cnn');
    // LEEP and NCE need the backbone's own classifier: the random network has none, so they do not apply to it.
    const poor = result.ranking.find((r) => r.backbone === 'random-cnn');
    expect(poor?.scores.leep).toBeNull();
    expect(poor?.rank).toBe(9);
    // The verification the user sees: every backbone has a probe accuracy, and the random network's is the lowest.
    const accuracies = result.ranking.map((r) => r.verifiedAccuracy as number);
    expect(accuracies.every((a) => a > 0 && a <= 1)).toBe(true);
    expect(poor?.verifiedAccuracy).toBe(Math.min(...accuracies));
  });
});
