import path from 'node:path';
import { invalidChoice, rejectUnknownKeys, writeFileAtomic } from '../core/index.js';
import { GraphBuilder, encodeOnnxModel } from '../formats/index.js';
import { backboneAsOnnx } from '../zoo/index.js';
import { resolveHome } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadModel } from './transfer-model.js';

export const EXPORT_FORMATS = ['onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportModelOptions extends Pick<WorkflowOptions, 'home' | 'engine' | 'onProgress'> {
  /** A model directory written by `train`. */
  model: string;
  /** The file to write. */
  out: string;
  /** @default 'onnx' */
  format?: ExportFormat;
}

export interface ExportModelResult {
  path: string;
  format: ExportFormat;
  /** Graph input and output, and the class names in output order. */
  input: string;
  output: string;
  labels: string[];
  sizeBytes: number;
}

const KNOWN_OPTIONS = ['model', 'out', 'format', 'home', 'engine', 'onProgress'];

/**
 * Writes one ONNX graph (backbone cut + head + softmax) that onnxruntime in any language loads: input `pixels`
 * (preprocessed as the model card says; recorded in the graph's metadata), output `probabilities`.
 */
export async function exportModel(options: ExportModelOptions): Promise<ExportModelResult> {
  rejectUnknownKeys('exportModel', options, KNOWN_OPTIONS);
  const format = options.format ?? 'onnx';
  if (!EXPORT_FORMATS.includes(format)) throw invalidChoice('format', format, EXPORT_FORMATS);
  const model = await loadModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress });
  try {
    const { backbone, head, manifest } = model;
    const { model: onnx, features } = await backboneAsOnnx(backbone.installed.files, backbone.cut, backbone.pooling);
    const builder = GraphBuilder.extending(onnx.graph);
    const probabilities = head.appendOnnx(builder, features);
    builder.output(probabilities, 'float32', ['batch', manifest.labels.length]);
    const input = onnx.graph.inputs[0]?.name ?? 'pixels';
    const bytes = encodeOnnxModel({
      ...onnx,
      producerName: 'headstart',
      graph: { ...builder.build(), name: path.basename(path.resolve(options.model)) },
      metadata: {
        labels: JSON.stringify(manifest.labels),
        input: JSON.stringify(manifest.input),
        backbone: `${manifest.backbone.id} cut at ${manifest.backbone.cut} (${manifest.backbone.pooling})`,
        head: manifest.head.kind,
      },
    });
    await writeFileAtomic(options.out, bytes);
    return { path: path.resolve(options.out), format, input, output: probabilities, labels: manifest.labels, sizeBytes: bytes.byteLength };
  } finally {
    model.dispose();
  }
}
