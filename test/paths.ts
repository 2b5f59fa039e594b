import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** The shared data folder that sits beside the repository (also in CI). */
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
export const FLOWERS = path.join(SHARED_DATA, 'flowers');
export const FLOWERS_MINI = path.join(REPO_ROOT, 'assets/flowers-mini');
