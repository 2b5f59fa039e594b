import os from 'node:os';
import path from 'node:path';

/** Where converted backbones, user registrations and the feature cache live unless the caller names a folder. */
export function defaultHome(): string {
  return path.join(os.homedir(), '.cache', 'headstart');
}

export function zooDir(home: string): string {
  return path.join(home, 'zoo');
}
