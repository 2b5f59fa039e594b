import { createEngine, defaultHome, formatTable, listLayers } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';

export const zooLayersCommand = defineCommand({
  name: 'zoo layers',
  summary: "List every layer (or graph node) of a backbone with its output shape: the names --cut accepts.",
  flags: {},
  positionals: { name: 'ID', description: "The backbone's zoo id ('headstart zoo list').", min: 1, max: 1 },
  env: envHelp(),
  examples: ['headstart zoo layers mobilenet-v2', 'headstart zoo layers mobilenet-v2 --json'],
  async run({ positionals }, ctx) {
    const layers = await listLayers(positionals[0] as string, { home: ctx.home ?? defaultHome(), engine: createEngine(), onProgress: ctx.onProgress });
    ctx.print(layers, () =>
      formatTable(
        layers.map((l) => [l.name, l.className, l.shape.length > 0 ? l.shape.map((d) => d ?? '?').join('x') : '']),
        { header: ['layer', 'type', 'output shape'], align: ['left', 'left', 'right'] },
      ),
    );
  },
});
