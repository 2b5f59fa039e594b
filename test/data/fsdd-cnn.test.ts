import { describe, expect, it } from 'vitest';
import { listAudioFolder, selectFeatureRows } from '../../src/data/index.js';
import { createEngine } from '../../src/engines/index.js';
import { argmaxRows, computeMetrics } from '../../src/evaluate/index.js';
import { logMelRows, trainScratchModel } from '../../src/workflows/index.js';
import { FSDD_RECORDINGS } from '../paths.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

describe('FSDD audio source model: small CNN on log-mels', () => {
  it('reaches 90% on the official split (takes 0-4 test; 5-9 validate, 10-49 train)', async () => {
    const fsdd = await listAudioFolder(FSDD_RECORDINGS, { labelFrom: { pattern: '{label}_{speaker}_{index}.wav' } });
    const { set, inputShape, skipped } = await logMelRows(fsdd);
    expect(skipped).toEqual([]);
    expect(inputShape).toEqual([31, 20, 1]);
    const takes = (lo: number, hi: number) => fsdd.items.filter((i) => Number(i.groups['index']) >= lo && Number(i.groups['index']) <= hi).map((i) => i.path);
    const [train, val, test] = [takes(10, 49), takes(5, 9), takes(0, 4)].map((files) => selectFeatureRows(set, files));
    expect([train!.labels.length, val!.labels.length, test!.labels.length]).toEqual([2400, 300, 300]);
    // Every image is standardised on its own.
    const first = set.values.subarray(0, set.dim);
    expect(first.reduce((a, b) => a + b, 0) / set.dim).toBeCloseTo(0, 4);
    expect(first.reduce((a, b) => a + b * b, 0) / set.dim).toBeCloseTo(1, 3);

    const engine = createEngine();
    const started = performance.now();
    const model = await trainScratchModel({ train: train!, val: val! }, { engine, arch: 'small-cnn', inputShape, width: 8, epochs: 6, learningRate: 0.0015, seed: 1 });
    try {
      const accuracy = computeMetrics(test!.labels, argmaxRows(await model.top.predict(test!.values, 300), 10), test!.classes).accuracy;
      log(`FSDD official split: small CNN (width 8, 6 epochs) on 31x20 log-mels: test accuracy ${(accuracy * 100).toFixed(1)}% in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      // Measured 92.0% (width 12: 97.3%, the published small CNNs' 97%+); the MFCC-statistics linear baseline scores 90.0%.
      expect(accuracy).toBeGreaterThanOrEqual(0.9);
    } finally {
      model.top.dispose();
      await engine.dispose();
    }
  }, 150_000);
});
