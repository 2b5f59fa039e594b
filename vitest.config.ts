import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Feature extraction on the wasm backend is single-threaded and slow; the real-data tests need minutes, not seconds.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // One worker: tfjs-wasm is a process-wide singleton and the machine has two cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
