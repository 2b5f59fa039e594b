import { HeadstartError, readFailureReason, readInputFile } from '../../core/index.js';
import { addGraphOutputs, decodeOnnxModel } from '../../formats/onnx/index.js';
import type { OnnxModel } from '../../formats/onnx/index.js';

/** Reads an .onnx file's bytes (a regular file under the weights size limit); a missing file is HS_MODEL_NOT_FOUND. */
export async function readOnnxFile(file: string): Promise<Uint8Array> {
  try {
    return await readInputFile(file, 'weights');
  } catch (err) {
    const code = (err as HeadstartError).code === 'HS_FILE_NOT_FOUND' ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID';
    throw new HeadstartError(code, `Cannot read ONNX model ${file}: ${readFailureReason(err, file)}`, { cause: err });
  }
}

/** Decodes an .onnx file's graph (nodes, inputs, outputs); used to list cut points. */
export async function readOnnxGraph(file: string): Promise<OnnxModel['graph']> {
  return decodeOnnxModel(await readOnnxFile(file), file).graph;
}

/**
 * The model's bytes with `cut` as a graph output: unchanged when it already is one (so nothing outside headstart's
 * ONNX subset is lost), otherwise re-encoded by addGraphOutputs, which names similar values when `cut` is unknown.
 */
export function cutOnnxModel(bytes: Uint8Array, cut: string, file: string): Uint8Array {
  const outputs = decodeOnnxModel(bytes, file).graph.outputs;
  return outputs.some((o) => o.name === cut) ? bytes : addGraphOutputs(bytes, [cut], file);
}
