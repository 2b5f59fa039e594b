import { readFileSync } from 'node:fs';

/** The version in package.json (two folders up from both src/cli and dist/cli). */
export function readVersion(): string {
  const raw = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof raw.version === 'string' ? raw.version : 'unknown';
}
