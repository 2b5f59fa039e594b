import { extractDataset, EXTRACT_DATASET_DEFAULTS, formatTable } from '../../index.js';
import type { ExtractDatasetOptions, ExtractDatasetResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, DISTRIBUTE_FLAGS, envHelp, distributeOption, resolveBadFilePolicy, resolveDistribute } from '../common-flags.js';
import { warningLines } from './result-text.js';
import { CUT_FLAGS } from './train.js';
import { workflowOptions } from './workflow-options.js';

function extractSummary(r: ExtractDatasetResult): string {
  const lines = [
    `Features of ${r.images} images in ${r.data}: ${r.backbone.id} cut at ${r.backbone.cut} (${r.backbone.pooling} pooling, ${r.backbone.dim}-d).`,
    `${r.extracted} extracted, ${r.cached} already cached, ${r.skipped.length} skipped, in ${(r.durationMs / 1000).toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s).`,
    `Cache: ${r.cachePath}`,
  ];
  const d = r.distributed;
  if (d) {
    lines.push(`${d.shards} shards on ${d.source}${d.duplicateShards > 0 ? `, ${d.duplicateShards} delivered twice (merged once)` : ''}; merging took ${(d.mergeMs / 1000).toFixed(2)} s.`);
    const rows = Object.entries(d.workers).map(([name, w]) => [name, w.shards, w.images, w.images > 0 ? (w.cpuMs / w.images).toFixed(1) : '—']);
    if (rows.length > 0) lines.push('', formatTable(rows, { header: ['worker', 'shards', 'images', 'CPU ms/image'] }));
  }
  lines.push(...warningLines([], r.skipped, 'the --json output'));
  return lines.join('\n');
}

export const extractCommand = defineCommand({
  name: 'extract',
  summary: 'Fill the feature cache for a dataset, in this process, on N local workers, or over a Redis queue.',
  description:
    'Computes the backbone features of every image in --data that the feature cache does not hold yet, so that train, ' +
    'eval and rank on the same data find them cached. --workers N splits the images into shards run by N worker ' +
    "processes on this machine; --queue redis://host:port puts the shards on a BullMQ queue that 'headstart worker' " +
    'processes on any machine take, and merges their features here. The features are the same, bit for bit, either way.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Images: a folder with one sub-folder per class, or a manifest.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    backbone: { kind: 'string', placeholder: 'ID', default: EXTRACT_DATASET_DEFAULTS.backbone, description: "Zoo id of the backbone ('headstart zoo list').", group: 'Backbone' },
    ...CUT_FLAGS,
    ...DISTRIBUTE_FLAGS,
  },
  env: envHelp(),
  examples: [
    'headstart extract --data photos/',
    'headstart extract --data photos/ --workers 4',
    'headstart extract --data /shared/photos/ --queue redis://queue-host:6379 --shard-size 256',
  ],
  async run({ flags }, ctx) {
    const options: ExtractDatasetOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'extract') }),
      data: flags.data,
      ...distributeOption(resolveDistribute(flags, 'extract')),
    };
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    const result = await extractDataset(options);
    ctx.print(result, () => extractSummary(result));
  },
});
