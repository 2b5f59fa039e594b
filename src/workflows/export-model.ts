import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, prepareOutput, rejectUnknownKeys, writeDirAtomic, writeFileAtomic } from '../core/index.js';
import { GraphBuilder, WEIGHTS_FILE, convertOnnxToLayers, encodeOnnxModel } from '../formats/index.js';
import type { OnnxModel } from '../formats/index.js';
import { backboneAsOnnx } from '../zoo/index.js';
import { resolveHome } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadModel, readModelManifest } from './transfer-model.js';
import type { TransferModel } from './transfer-model.js';
import type { ImageModelManifest } from './model-manifest.js';

export const EXPORT_FORMATS = ['onnx', 'tfjs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Files of a 'tfjs' export folder besides weights.bin: the Layers model, and what to feed it and what it returns. */
const TFJS_MODEL_FILE = 'model.json';
const TFJS_METADATA_FILE = 'metadata.json';

export interface ExportModelOptions extends Pick<WorkflowOptions, 'home' | 'engine' | 'onProgress'> {
  /** A model directory written by `train`. */
  model: string;
  /**
   * The file to write ('onnx'), or the folder ('tfjs': model.json, weights.bin, metadata.json); replaced atomically
   * when it is an earlier headstart export, refused otherwise unless `force`.
   */
  out: string;
  /** Replace `out` even when it is not an earlier headstart export of this format. @default false */
  force?: boolean;
  /** @default 'onnx' */
  format?: ExportFormat;
}

export interface ExportModelResult {
  path: string;
  format: ExportFormat;
  /** Model input and output names, and the class names in output order. */
  input: string;
  output: string;
  labels: string[];
  /** Bytes written (all files of a folder). */
  sizeBytes: number;
}

const KNOWN_OPTIONS = ['model', 'out', 'force', 'format', 'home', 'engine', 'onProgress'];

/** The model as one ONNX graph: the backbone cut, then the head, ending in `probabilities`. */
async function exportGraph(model: TransferModel, name: string): Promise<{ onnx: OnnxModel; input: string; output: string; metadata: Record<string, string> }> {
  const { backbone, head, manifest } = model;
  const { model: onnx, features } = await backboneAsOnnx(backbone.installed.files, backbone.cut, backbone.pooling);
  const builder = GraphBuilder.extending(onnx.graph);
  const output = head.appendOnnx(builder, features);
  builder.output(output, 'float32', ['batch', manifest.labels.length]);
  const metadata = {
    labels: JSON.stringify(manifest.labels),
    input: JSON.stringify(manifest.input),
    backbone: `${manifest.backbone.id} cut at ${manifest.backbone.cut} (${manifest.backbone.pooling})`,
    head: manifest.head.kind,
  };
  return {
    onnx: { ...onnx, producerName: 'headstart', graph: { ...builder.build(), name }, metadata },
    input: onnx.graph.inputs[0]?.name ?? 'pixels',
    output,
    metadata,
  };
}

/**
 * A model on concatenated backbones or with test-time augmentation runs two or more backbone passes per image; the
 * exported graph holds one backbone, so it would compute different features than the head was trained on.
 */
function refuseCombinedFeatures(dir: string, manifest: ImageModelManifest): void {
  const extra = manifest.extraBackbones ?? [];
  if (extra.length === 0 && !manifest.tta) return;
  const what = [
    ...(extra.length > 0 ? [`the concatenated features of ${[manifest.backbone.id, ...extra.map((b) => b.id)].join(' + ')}`] : []),
    ...(manifest.tta ? [`test-time augmentation '${manifest.tta}'`] : []),
  ].join(' and ');
  throw new HeadstartError(
    'HS_INVALID_OPTION',
    `${dir} classifies ${what}; export writes one backbone pass per image, so the graph would not match the head. ` +
      `Use it with 'headstart predict' / 'headstart eval', or retrain with one backbone and no TTA for export (--backbone ${manifest.backbone.id} --tta none).`,
  );
}

/**
 * Writes a trained model (backbone cut + head + softmax) for deployment: 'onnx' is one graph that onnxruntime in any
 * language loads, input `pixels`, output `probabilities`, preprocessing and labels in its metadata; 'tfjs' is the
 * same graph rebuilt as a TF.js Layers model (a folder for tf.loadLayersModel, also in a browser), with its
 * preprocessing and labels in metadata.json. Both take NHWC float32 pixels preprocessed as the model card says.
 */
/**
 * Whether `file` is an ONNX model headstart exported: its ModelProto starts with ir_version (field 1) and then
 * producer_name (field 2) 'headstart', so the first bytes say it without decoding the graph.
 */
async function isHeadstartOnnx(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(32), 0, 32, 0);
    return buffer.subarray(0, bytesRead).includes(Buffer.from('\x12\x09headstart', 'latin1'));
  } finally {
    await handle.close();
  }
}

export async function exportModel(options: ExportModelOptions): Promise<ExportModelResult> {
  rejectUnknownKeys('exportModel', options, KNOWN_OPTIONS);
  const format = options.format ?? 'onnx';
  if (!EXPORT_FORMATS.includes(format)) throw invalidChoice('format', format, EXPORT_FORMATS);
  await prepareOutput(options.out, {
    kind: format === 'onnx' ? 'model' : 'tfjs-export',
    shape: format === 'onnx' ? 'file' : 'folder',
    inputs: [options.model],
    force: options.force ?? false,
    isOwnFile: isHeadstartOnnx,
    legacyFiles: [TFJS_METADATA_FILE, TFJS_MODEL_FILE],
  });
  if ((await readModelManifest(options.model)).modality === 'text') {
    throw new HeadstartError(
      'HS_INVALID_OPTION',
      `${options.model} is a text model; export writes image models only (its tokenizer and word vectors have no ONNX or TF.js form here yet). Use it with 'headstart predict' or the predict() API.`,
    );
  }
  const model = await loadModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress });
  try {
    refuseCombinedFeatures(options.model, model.manifest);
    const name = path.basename(path.resolve(options.model));
    const { onnx, input, output, metadata } = await exportGraph(model, name);
    const labels = model.manifest.labels;
    const result = { path: path.resolve(options.out), format, labels };
    if (format === 'onnx') {
      const bytes = encodeOnnxModel(onnx);
      await writeFileAtomic(options.out, bytes);
      return { ...result, input, output, sizeBytes: bytes.byteLength };
    }
    const layers = convertOnnxToLayers(onnx, { output, name, where: `the ONNX graph of ${options.model}` });
    const modelJson = JSON.stringify(layers.modelJson);
    const metadataJson = JSON.stringify({ ...metadata, labels, input: model.manifest.input, inputName: layers.inputName, outputName: layers.outputName }, null, 2);
    await writeDirAtomic(options.out, async (dir) => {
      await fs.writeFile(path.join(dir, TFJS_MODEL_FILE), modelJson);
      await fs.writeFile(path.join(dir, WEIGHTS_FILE), layers.weightData);
      await fs.writeFile(path.join(dir, TFJS_METADATA_FILE), metadataJson);
    }, { marker: 'tfjs-export' });
    const sizeBytes = Buffer.byteLength(modelJson) + layers.weightData.byteLength + Buffer.byteLength(metadataJson);
    return { ...result, input: layers.inputName, output: layers.outputName, sizeBytes };
  } finally {
    model.dispose();
  }
}
