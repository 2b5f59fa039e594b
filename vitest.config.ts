import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Feature extraction on the wasm backend is single-threaded and slow; the real-data tests need minutes, not seconds.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Two files at a time, each in its own process (tfjs-wasm is a process-wide singleton, so forks, not threads):
    // the machine has two cores and most files are single-threaded wasm work. The test home is shared through the
    // feature cache and zoo, which take concurrent writers.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
