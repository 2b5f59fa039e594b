import { EXPORT_FORMATS, exportModel } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp, FORCE_FLAG } from '../common-flags.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write a trained model (backbone cut + head + softmax) as one ONNX graph or a TF.js Layers model.',
  description:
    'Both take the preprocessed pixels (NHWC float32) and return class probabilities. --format onnx writes one file ' +
    'that any onnxruntime loads (preprocessing and labels in the graph metadata under "input" and "labels"). ' +
    '--format tfjs writes a folder (model.json, weights.bin, metadata.json with the preprocessing and labels) that ' +
    "tf.loadLayersModel loads, in Node or in a browser; it is the same graph rebuilt from standard Keras layers.",
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train'.", group: 'Data' },
    out: { kind: 'string', placeholder: 'PATH', required: true, description: 'The file (onnx) or folder (tfjs) to write; an earlier export there is replaced atomically, anything else needs --force.', group: 'Output' },
    ...FORCE_FLAG,
    format: { kind: 'choice', choices: EXPORT_FORMATS, default: 'onnx', description: 'Output format.', group: 'Output' },
  },
  env: envHelp(),
  examples: ['headstart export --model my-model --out my-model.onnx', 'headstart export --model my-model --format tfjs --out my-model-tfjs'],
  async run({ flags }, ctx) {
    const result = await exportModel({
      model: flags.model,
      out: flags.out,
      ...(flags.force ? { force: true } : {}),
      ...(flags.format !== undefined ? { format: flags.format } : {}),
      ...(ctx.home !== undefined ? { home: ctx.home } : {}),
      onProgress: ctx.onProgress,
    });
    ctx.print(result, () =>
      [`Wrote ${result.path} (${(result.sizeBytes / 1e6).toFixed(1)} MB)`, `input '${result.input}', output '${result.output}': ${result.labels.join(', ')}`].join('\n'),
    );
  },
});
