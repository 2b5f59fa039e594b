import { readFileSync } from 'node:fs';
import { invalidOption, sha256 } from '../core/index.js';
import type { SkippedFile } from '../data/index.js';
import type { Backbone } from '../zoo/index.js';

/** One file of a shard: where the worker reads it, and the content hash the coordinator saw. */
export interface ShardFile {
  path: string;
  contentHash: string;
}

/** Names the backbone cut a shard must be extracted with; a worker refuses a shard whose key it cannot reproduce. */
export interface ShardBackbone {
  id: string;
  cut: string;
  pooling: Backbone['pooling'];
  weightsSha256: string;
  /** The feature cache key (model, weights, cut, pooling, preprocessing): equal keys give equal features. */
  featureKey: string;
}

/** The unit of distributed work: a few hundred files, one backbone, the coordinator's headstart version. */
export interface ShardJob {
  /** Hash of the backbone key and the files: the same shard always has the same id, so a re-run is recognised. */
  shardId: string;
  headstartVersion: string;
  backbone: ShardBackbone;
  files: ShardFile[];
}

/** A feature vector on the wire: float32 bytes in base64, so every bit arrives as computed. */
export interface EncodedFeatures {
  contentHash: string;
  values: string;
}

export interface ShardResult {
  shardId: string;
  entries: EncodedFeatures[];
  skipped: SkippedFile[];
  /** Who ran it: host and process id. */
  worker: string;
  durationMs: number;
  /** CPU time (user + system) the worker process spent on this shard. */
  cpuMs: number;
}

/** The headstart version in package.json (two folders up from both src/distributed and dist/distributed). */
export function headstartVersion(): string {
  const raw = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof raw.version === 'string' ? raw.version : 'unknown';
}

export function describeShardBackbone(backbone: Backbone): ShardBackbone {
  return { id: backbone.card.id, cut: backbone.cut, pooling: backbone.pooling, weightsSha256: backbone.weightsSha256, featureKey: backbone.featureKey };
}

/** Cuts files into shards of `shardSize`, in order; each shard's id depends only on its content. */
export function planShards(files: readonly ShardFile[], backbone: ShardBackbone, shardSize: number): ShardJob[] {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw invalidOption(`Expected shardSize to be a positive integer. Received: ${String(shardSize)}.`);
  const version = headstartVersion();
  const shards: ShardJob[] = [];
  for (let start = 0; start < files.length; start += shardSize) {
    const slice = files.slice(start, start + shardSize);
    const shardId = sha256(Buffer.from(JSON.stringify([backbone.featureKey, slice]))).slice(0, 24);
    shards.push({ shardId, headstartVersion: version, backbone, files: slice });
  }
  return shards;
}

export function encodeFeatures(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFeatures(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new Float32Array(copy);
}
