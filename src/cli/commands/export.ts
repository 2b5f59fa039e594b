import { EXPORT_FORMATS, exportModel } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write a trained model as one ONNX graph (backbone cut + head + softmax) for deployment.',
  description:
    'The graph takes the preprocessed pixels (NHWC float32; the preprocessing is in the graph metadata under "input") ' +
    'and returns class probabilities (labels in the metadata under "labels"). Any onnxruntime loads it.',
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train'.", group: 'Data' },
    out: { kind: 'string', placeholder: 'FILE', required: true, description: 'The file to write (replaced atomically).', group: 'Output' },
    format: { kind: 'choice', choices: EXPORT_FORMATS, default: 'onnx', description: 'Output format.', group: 'Output' },
  },
  env: envHelp(),
  examples: ['headstart export --model my-model --out my-model.onnx'],
  async run({ flags }, ctx) {
    const result = await exportModel({
      model: flags.model,
      out: flags.out,
      ...(flags.format !== undefined ? { format: flags.format } : {}),
      ...(ctx.home !== undefined ? { home: ctx.home } : {}),
      onProgress: ctx.onProgress,
    });
    ctx.print(result, () =>
      [`Wrote ${result.path} (${(result.sizeBytes / 1e6).toFixed(1)} MB)`, `input '${result.input}', output '${result.output}': ${result.labels.join(', ')}`].join('\n'),
    );
  },
});
