import type { ModelCard } from './model-card.js';

/** How nsfwjs packs a Keras model: model.json and base64 weight shards inside JS modules. */
interface NsfwjsModelDefinition {
  modelJson: () => Promise<{ default: { modelTopology: object; weightsManifest: { paths: string[]; weights: object[] }[] } }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

export interface BundledModel {
  card: ModelCard;
  /** The npm package the weights come from. */
  packageName: string;
  /** Reads model.json and the weight bytes from the installed package. */
  read(): Promise<{ modelJson: { modelTopology: object; weightsManifest: { paths: string[]; weights: object[] }[] }; weights: Buffer }>;
}

async function readNsfwjs(definition: Promise<NsfwjsModelDefinition>) {
  const model = await definition;
  const modelJson = (await model.modelJson()).default;
  const shards: Buffer[] = [];
  for (const bundle of model.weightBundles) shards.push(Buffer.from((await bundle()).default, 'base64'));
  return { modelJson, weights: Buffer.concat(shards) };
}

const NSFWJS_PROVENANCE =
  'nsfwjs 4.4.0 (npm, MIT). A Keras model built on ImageNet weights; its top was fine-tuned by the nsfwjs authors to ' +
  'classify drawings, hentai, neutral, porn and sexy images.';

/**
 * nsfwjs fine-tuned its models on pixels scaled to [0, 1] (not Keras's [-1, 1]); measured on flowers, a linear probe
 * at block_13_expand_relu scores about 0.74 with [0, 1] and 0.70 with [-1, 1], so the card prescribes [0, 1].
 */
const NSFWJS_SCALE = { mean: [0, 0, 0], std: [255, 255, 255] } as const;

export const BUNDLED_MODELS: readonly BundledModel[] = [
  {
    packageName: 'nsfwjs',
    read: () => readNsfwjs(import('nsfwjs/models/mobilenet_v2').then((m) => m.MobileNetV2Model as unknown as NsfwjsModelDefinition)),
    card: {
      id: 'mobilenet-v2',
      name: 'MobileNetV2 1.0 (Keras, ImageNet body; weights from nsfwjs)',
      modality: 'image',
      format: 'tfjs-layers',
      input: { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [...NSFWJS_SCALE.mean], std: [...NSFWJS_SCALE.std] },
      defaultCut: 'block_13_expand_relu',
      defaultPooling: 'avg',
      defaultCutReason: 'MEASURED_MOBILENET',
      embeddingSize: 576,
      cutPoints: [
        { layer: 'block_10_project_BN', shape: [14, 14, 96] },
        { layer: 'block_12_add', shape: [14, 14, 96] },
        { layer: 'block_13_expand_relu', shape: [14, 14, 576], note: 'default: best linear probe on flowers' },
        { layer: 'block_13_project_BN', shape: [7, 7, 160] },
        { layer: 'block_15_add', shape: [7, 7, 160] },
        { layer: 'block_16_project_BN', shape: [7, 7, 320] },
        { layer: 'out_relu', shape: [7, 7, 1280], note: 'fine-tuned by nsfwjs for another task' },
      ],
      weightsSource: NSFWJS_PROVENANCE,
      trainedOn: 'ImageNet-1k (body), then the nsfwjs 5-class image set (top blocks and dense head)',
      licence: 'MIT (nsfwjs); MobileNetV2 ImageNet weights Apache-2.0 (Keras Applications)',
      pretrainedLayers:
        'Blocks up to about block_10 hold the original ImageNet weights; the blocks above and the dense head were ' +
        'fine-tuned by nsfwjs for its own task, so cut at or below block_13 for general image features.',
      origin: 'bundled',
    },
  },
  {
    packageName: 'nsfwjs',
    read: () => readNsfwjs(import('nsfwjs/models/inception_v3').then((m) => m.InceptionV3Model as unknown as NsfwjsModelDefinition)),
    card: {
      id: 'inception-v3',
      name: 'InceptionV3 (Keras, ImageNet body; weights from nsfwjs)',
      modality: 'image',
      format: 'tfjs-layers',
      input: { height: 299, width: 299, channelOrder: 'rgb', resize: 'center-crop', mean: [...NSFWJS_SCALE.mean], std: [...NSFWJS_SCALE.std] },
      defaultCut: 'mixed7',
      defaultPooling: 'avg',
      defaultCutReason: 'MEASURED_INCEPTION',
      embeddingSize: 768,
      cutPoints: [
        { layer: 'mixed5', shape: [17, 17, 768] },
        { layer: 'mixed6', shape: [17, 17, 768] },
        { layer: 'mixed7', shape: [17, 17, 768], note: 'default' },
        { layer: 'mixed8', shape: [8, 8, 1280] },
        { layer: 'mixed9', shape: [8, 8, 2048] },
        { layer: 'mixed10', shape: [8, 8, 2048], note: 'fine-tuned by nsfwjs for another task' },
      ],
      weightsSource: NSFWJS_PROVENANCE,
      trainedOn: 'ImageNet-1k (body), then the nsfwjs 5-class image set (top blocks and dense head)',
      licence: 'MIT (nsfwjs); InceptionV3 ImageNet weights Apache-2.0 (Keras Applications)',
      pretrainedLayers:
        'The lower mixed blocks hold ImageNet weights; the top blocks and the dense head were fine-tuned by nsfwjs ' +
        'for its own task.',
      origin: 'bundled',
    },
  },
];
