import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A headstart home shared by the test files of one run: the backbones are converted once. */
    sharedHome: string;
  }
}

export default async function setup(project: TestProject) {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-test-home-'));
  project.provide('sharedHome', home);
  return async () => {
    await fs.rm(home, { recursive: true, force: true });
  };
}
