import { beforeAll, describe, expect, it } from 'vitest';
import { augmentPixels, createEngine, lrFind, resolveAugmentOptions, splitAtBlocks } from '../../src/index.js';
import type { LayersArtifacts, TopSpec, TrainableTop } from '../../src/index.js';
import { LAYERS, tinyNet, toyData } from './tiny-net.js';

describe('a trainable top on the tfjs-wasm engine', () => {
  const engine = createEngine({ kind: 'tfjs' });
  let net: LayersArtifacts;
  const make = (batchNorm: 'frozen' | 'train'): Promise<TrainableTop> => {
    const split = splitAtBlocks(LAYERS, ['r1', 'r2'], 'r2', 1);
    const spec: TopSpec = { model: net, input: split.boundary, output: 'r2', pooling: 'avg', head: { classes: 2, hidden: [], dropout: 0, l2: 0, seed: 3 }, groups: split.groups, batchNorm };
    return engine.createTop(spec);
  };
  beforeAll(async () => {
    // Any engine call starts tfjs's wasm backend; the tiny net is then built on it.
    (await engine.createHead({ inputDim: 1, classes: 2, hidden: [], dropout: 0, l2: 0, seed: 0 })).dispose();
    net = await tinyNet();
  });

  it('splits at block outputs: unfreeze 1 trains block 2 from r1 on', () => {
    expect(splitAtBlocks(LAYERS, ['r1', 'r2'], 'r2', 1)).toEqual({ boundary: 'r1', groups: [{ name: 'r2', layers: ['c2', 'bn2', 'r2'] }] });
    expect(splitAtBlocks(LAYERS, ['r1', 'r2'], 'bn2', 1).groups[0]?.layers).toEqual(['c2', 'bn2']);
    expect(splitAtBlocks(LAYERS, ['r1', 'r2'], 'r2', 'bn1').groups.map((g) => g.name)).toEqual(['r1', 'r2']);
    expect(() => splitAtBlocks(LAYERS, ['r1', 'r2'], 'r2', 5)).toThrow(/Cannot unfreeze 5 blocks/);
  });

  it("keeps frozen BatchNorm's moving statistics through a training step, and updates them in 'train' mode", async () => {
    const data = toyData(16, 1);
    for (const mode of ['frozen', 'train'] as const) {
      const top = await make(mode);
      const before = top.getWeights();
      await top.trainBatch(data.values, data.labels, { learningRates: { r2: 0.01, head: 0.01 } });
      const after = top.getWeights();
      // bn2's moving mean starts at zeros and its moving variance at ones: find them by value.
      const stats = before.map((w, i) => i).filter((i) => before[i]?.length === 8 && (before[i]?.every((v) => v === 0) || before[i]?.every((v) => v === 1)));
      const statIndices = stats.filter((i) => i > 0 && (before[i]?.every((v) => v === 0) ? before[i + 1]?.every((v) => v === 1) : before[i - 1]?.every((v) => v === 0)));
      expect(statIndices.length).toBeGreaterThanOrEqual(2);
      const changed = statIndices.some((i) => (after[i] as Float32Array).some((v, k) => v !== before[i]?.[k]));
      expect(changed).toBe(mode === 'train');
      // The trained conv kernel moved in both modes.
      expect(after[0]?.some((v, k) => v !== before[0]?.[k])).toBe(true);
      top.dispose();
    }
  });

  it('adds the L2-SP penalty: alpha times the squared distance from the pretrained weights', async () => {
    const top = await make('frozen');
    const data = toyData(8, 2);
    const pretrained = top.getWeights();
    // Shift every top array (c2 kernel 3*3*8*8, bn2 gamma, beta, moving mean and variance) by 0.1; the head stays.
    const shifted = pretrained.map((w, i) => (i < pretrained.length - 2 ? w.map((v) => v + 0.1) : w));
    const state = await top.getState();
    top.setWeights(shifted);
    const plain = await top.trainBatch(data.values, data.labels, { learningRates: { r2: 1e-9, head: 1e-9 } });
    await top.setState({ ...state, weights: shifted });
    const alpha = 0.5;
    const penalised = await top.trainBatch(data.values, data.labels, { learningRates: { r2: 1e-9, head: 1e-9 }, l2sp: alpha });
    // Trainable top weights: the kernel (576) plus gamma and beta (8 each); the moving statistics are not anchored.
    expect(penalised - plain).toBeCloseTo(alpha * 0.01 * (576 + 8 + 8), 3);
    top.dispose();
  });

  it('lr-find suggests a rate where the loss falls, and leaves the weights as they were', async () => {
    const top = await make('frozen');
    const data = toyData(64, 3);
    const before = top.getWeights();
    const found = await lrFind(top, data, { steps: 40, startLr: 1e-6, endLr: 10, batchSize: 16 });
    expect(found.rates).toHaveLength(found.losses.length);
    expect(found.suggestion).toBeGreaterThan(1e-5);
    expect(found.suggestion).toBeLessThan(1);
    const at = found.rates.indexOf(found.suggestion);
    expect(found.losses[at + 3] ?? 0).toBeLessThan(found.losses[0] as number);
    expect(top.getWeights()).toEqual(before);
    top.dispose();
  });
});

describe('image augmentation', () => {
  const image = Float32Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 37) % 256);
  it('gives the same pixels for the same seed and others for another seed', () => {
    const o = resolveAugmentOptions();
    const rng = (seed: number) => {
      let a = seed;
      return () => ((a = (a * 16807) % 2147483647) / 2147483647);
    };
    expect(augmentPixels(image, 6, 5, rng(7), o)).toEqual(augmentPixels(image, 6, 5, rng(7), o));
    expect(augmentPixels(image, 6, 5, rng(7), o)).not.toEqual(augmentPixels(image, 6, 5, rng(8), o));
  });
  it('flips exactly when it flips and neither crops nor jitters', () => {
    const out = augmentPixels(image, 6, 5, () => 0, resolveAugmentOptions({ scale: [1, 1], ratio: [1.2, 1.2], flip: 1, colorJitter: 0 }));
    // 6x5 with ratio 1.2 fits only as the whole image; a flip mirrors each row.
    for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) expect(out[(y * 5 + x) * 3 + c]).toBeCloseTo(image[(y * 5 + (4 - x)) * 3 + c] as number, 4);
  });
  it('rejects bad options by name', () => {
    expect(() => resolveAugmentOptions({ flip: 2 })).toThrow(/augment.flip/);
    expect(() => resolveAugmentOptions({ scale: [0.9, 0.5] })).toThrow(/augment.scale/);
  });
});
