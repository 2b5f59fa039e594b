import { createEngine, REGISTER_FORMATS, registerBackbone, registerTfliteBackbone } from '../../index.js';
import type { RegisterBackboneOptions } from '../../index.js';
import { defaultHome } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';
import { usageError } from '../errors.js';

const PREPROCESSING_REASON =
  'headstart never guesses preprocessing: features from wrongly normalised pixels are quietly worse. Give the values ' +
  "the model was trained with, e.g. --mean 127.5,127.5,127.5 --std 127.5,127.5,127.5 for inputs in [-1, 1], or " +
  '--mean 0,0,0 --std 255,255,255 for [0, 1]';

function parseInputSize(text: string): { height: number; width: number } {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  const height = Number(match?.[1]);
  const width = Number(match?.[2] ?? match?.[1]);
  if (!match || height < 1 || width < 1) {
    throw usageError(`Expected --input-size to be a size in pixels, N or HEIGHTxWIDTH (224, 299x299). Received: '${text}'.`, 'zoo add');
  }
  return { height, width };
}

export const zooAddCommand = defineCommand({
  name: 'zoo add',
  summary: 'Register your own TF.js model as a backbone, with its preprocessing and cut layer.',
  description:
    'Checks that the model loads and can be cut where asked, then copies model.json and its weight shards into the ' +
    'zoo with a model card. Afterwards use it like a bundled backbone: headstart train --backbone ID.',
  flags: {
    id: { kind: 'string', placeholder: 'ID', required: true, description: 'Zoo id: lower-case letters, digits and dashes.', group: 'Model' },
    model: { kind: 'string', placeholder: 'PATH', required: true, description: 'A TF.js model.json (its weight shards are copied from beside it) or an .onnx file.', group: 'Model' },
    format: { kind: 'choice', choices: REGISTER_FORMATS, required: true, description: "TF.js Layers model, TF.js graph model, ONNX, or TFLite (converted to ONNX; --cut names a tensor, or 'penultimate').", group: 'Model' },
    cut: { kind: 'string', placeholder: 'LAYER', required: true, description: 'Layer (Layers model) or output node (graph model) to take features from.', group: 'Model' },
    pooling: { kind: 'choice', choices: ['avg', 'max', 'flatten'], default: 'avg', description: 'How the feature map at the cut becomes a vector.', group: 'Model' },
    'input-size': { kind: 'string', placeholder: 'N|HxW', default: 224, description: 'Input height and width in pixels.', group: 'Preprocessing' },
    mean: {
      kind: 'numbers',
      length: 3,
      placeholder: 'R,G,B',
      required: true,
      requiredReason: PREPROCESSING_REASON,
      description: "Per-channel mean subtracted from 0..255 pixels: x' = (x - mean) / std.",
      group: 'Preprocessing',
    },
    std: {
      kind: 'numbers',
      length: 3,
      above: 0,
      placeholder: 'R,G,B',
      required: true,
      requiredReason: PREPROCESSING_REASON,
      description: 'Per-channel divisor after subtracting the mean.',
      group: 'Preprocessing',
    },
    'channel-order': { kind: 'choice', choices: ['rgb', 'bgr'], default: 'rgb', description: "Channel order of the model's input.", group: 'Preprocessing' },
    resize: {
      kind: 'choice',
      choices: ['center-crop', 'stretch'],
      default: 'center-crop',
      description: "'center-crop' scales the short side to fit and crops the centre; 'stretch' resizes to the exact size.",
      group: 'Preprocessing',
    },
    name: { kind: 'string', placeholder: 'TEXT', default: 'the id', description: 'Human-readable name for the card.', group: 'Card' },
    'trained-on': { kind: 'string', placeholder: 'TEXT', default: 'unknown (registered by the user)', description: 'What the weights were trained on.', group: 'Card' },
    licence: { kind: 'string', placeholder: 'TEXT', default: 'unknown', description: 'Licence of the weights.', group: 'Card' },
  },
  env: envHelp(),
  examples: [
    'headstart zoo add --id my-net --model ./my-net/model.json --format tfjs-layers --cut conv_pw_11_relu \\\n' +
      '      --mean 127.5,127.5,127.5 --std 127.5,127.5,127.5 --licence Apache-2.0',
  ],
  async run({ flags }, ctx) {
    const [m0, m1, m2] = flags.mean;
    const [s0, s1, s2] = flags.std;
    const options: Omit<RegisterBackboneOptions, 'format'> = {
      id: flags.id,
      model: flags.model,
      cut: flags.cut,
      input: {
        ...parseInputSize(flags.inputSize ?? '224'),
        channelOrder: flags.channelOrder ?? 'rgb',
        resize: flags.resize ?? 'center-crop',
        mean: [m0 as number, m1 as number, m2 as number],
        std: [s0 as number, s1 as number, s2 as number],
      },
      home: ctx.home ?? defaultHome(),
      engine: createEngine(),
    };
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.name !== undefined) options.name = flags.name;
    if (flags.trainedOn !== undefined) options.trainedOn = flags.trainedOn;
    if (flags.licence !== undefined) options.licence = flags.licence;
    const installed = flags.format === 'tflite' ? await registerTfliteBackbone(options) : await registerBackbone({ ...options, format: flags.format });
    const { card } = installed;
    ctx.print(installed, () =>
      [
        `Registered ${card.id}: cut at ${card.defaultCut} (${card.defaultPooling} pooling), ${card.embeddingSize}-d features, ` +
          `output at the cut ${card.cutPoints[0]?.shape.join('x') ?? '?'}.`,
        `Files   ${installed.files.path}`,
        '',
        'Next:',
        `  headstart zoo show ${card.id}`,
        `  headstart train --backbone ${card.id} --data <folder> --out <model>`,
      ].join('\n'),
    );
  },
});
