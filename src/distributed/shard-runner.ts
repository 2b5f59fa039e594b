import os from 'node:os';
import { HeadstartError } from '../core/index.js';
import type { FeatureCacheEntry } from '../data/index.js';
import { extractFeatures, loadBackbone } from '../zoo/index.js';
import type { Backbone } from '../zoo/index.js';
import { encodeFeatures, headstartVersion } from './shard-job.js';
import type { ShardBackbone, ShardJob, ShardResult } from './shard-job.js';

const SHARD_CLASS = 'shard';

/**
 * What a worker runs: loads each backbone a shard names once (from the worker's own zoo) and extracts the shard's
 * files with the same `extractFeatures` a single process uses, so the features are the same bit for bit.
 */
export class ShardRunner {
  private readonly home: string;
  private readonly version = headstartVersion();
  private readonly backbones = new Map<string, Promise<Backbone>>();
  readonly worker = `${os.hostname()}:${process.pid}`;

  constructor(home: string) {
    this.home = home;
  }

  /**
   * Extracts one shard. Files that vanished or no longer decode are reported in `skipped`; a file whose bytes
   * changed since the coordinator hashed it is extracted and stored under its new hash, and reported too.
   * @throws HeadstartError `HS_WORKER_MISMATCH` when this worker's headstart version or backbone differ from the job's.
   */
  async run(job: ShardJob): Promise<ShardResult> {
    if (job.headstartVersion !== this.version) {
      throw new HeadstartError(
        'HS_WORKER_MISMATCH',
        `Worker ${this.worker} runs headstart ${this.version}, but shard ${job.shardId} was queued by headstart ${job.headstartVersion}. ` +
          'Install the same headstart version on every worker and the coordinator.',
      );
    }
    const backbone = await this.backbone(job.backbone);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const computed: FeatureCacheEntry[] = [];
    // A recorder in place of the cache: nothing is looked up, everything computed is kept with its content hash.
    const recorder = { getMany: () => new Map<string, Float32Array>(), putMany: (_key: string, entries: readonly FeatureCacheEntry[]) => void computed.push(...entries) };
    const result = await extractFeatures(backbone, { classes: [SHARD_CLASS], items: job.files.map((f) => ({ path: f.path, label: SHARD_CLASS })) }, { cache: recorder });
    const expected = new Map(job.files.map((f) => [f.path, f.contentHash]));
    const skipped = [...result.skipped];
    result.features.files.forEach((file, i) => {
      const actual = computed[i]?.contentHash;
      if (actual !== expected.get(file)) skipped.push({ file, reason: `its content changed after the coordinator listed it; its features are stored under the new content` });
    });
    const used = process.cpuUsage(cpu);
    return {
      shardId: job.shardId,
      entries: computed.map((e) => ({ contentHash: e.contentHash, values: encodeFeatures(e.values) })),
      skipped,
      worker: this.worker,
      durationMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    };
  }

  private backbone(spec: ShardBackbone): Promise<Backbone> {
    const key = JSON.stringify([spec.id, spec.cut, spec.pooling]);
    let loading = this.backbones.get(key);
    if (!loading) {
      loading = loadBackbone(spec.id, { cut: spec.cut, pooling: spec.pooling, home: this.home });
      this.backbones.set(key, loading);
      loading.catch(() => this.backbones.delete(key));
    }
    return loading.then((backbone) => {
      if (backbone.featureKey !== spec.featureKey) {
        throw new HeadstartError(
          'HS_WORKER_MISMATCH',
          `Worker ${this.worker} has backbone ${spec.id} with weights ${backbone.weightsSha256.slice(0, 12)} (feature key ${backbone.featureKey}), ` +
            `but the coordinator extracts with weights ${spec.weightsSha256.slice(0, 12)} (feature key ${spec.featureKey}). ` +
            'Register the same backbone files on every worker (headstart zoo add), or point HEADSTART_HOME at the same zoo.',
        );
      }
      return backbone;
    });
  }

  dispose(): void {
    for (const loading of this.backbones.values()) void loading.then((b) => b.dispose(), () => undefined);
    this.backbones.clear();
  }
}
