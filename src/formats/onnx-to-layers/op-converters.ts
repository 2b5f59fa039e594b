import { mapAveragePool, mapConv, mapGlobalAveragePool, mapGlobalMaxPool, mapMaxPool, mapPad, mapReduceMax, mapReduceMean } from './conv-ops.js';
import { mapGemm, mapMatMul } from './dense-ops.js';
import {
  mapAdd, mapClip, mapDiv, mapElu, mapLeakyRelu, mapMul, mapReduceL2, mapRelu, mapSigmoid, mapSoftmax, mapSoftplus, mapSoftsign, mapSub, mapTanh,
} from './elementwise-ops.js';
import type { OpConverter } from './op-context.js';
import { mapConcat, mapFlatten, mapIdentity, mapReshape, mapSqueeze, mapTranspose } from './shape-ops.js';

/** ONNX op type -> the Keras layers it becomes. */
const OP_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  Conv: mapConv,
  Pad: mapPad,
  AveragePool: mapAveragePool,
  MaxPool: mapMaxPool,
  GlobalAveragePool: mapGlobalAveragePool,
  GlobalMaxPool: mapGlobalMaxPool,
  ReduceMean: mapReduceMean,
  ReduceMax: mapReduceMax,
  ReduceL2: mapReduceL2,
  Gemm: mapGemm,
  MatMul: mapMatMul,
  Add: mapAdd,
  Sub: mapSub,
  Mul: mapMul,
  Div: mapDiv,
  Clip: mapClip,
  Relu: mapRelu,
  LeakyRelu: mapLeakyRelu,
  Elu: mapElu,
  Sigmoid: mapSigmoid,
  Tanh: mapTanh,
  Softplus: mapSoftplus,
  Softsign: mapSoftsign,
  Softmax: mapSoftmax,
  Concat: mapConcat,
  Flatten: mapFlatten,
  Reshape: mapReshape,
  Squeeze: mapSqueeze,
  Transpose: mapTranspose,
  Identity: mapIdentity,
  Dropout: mapIdentity,
};

/** The ONNX ops (default domain) that convertOnnxToLayers rebuilds; Constant nodes are read as constants. */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(OP_CONVERTERS);

export function findOpConverter(opType: string, domain: string | undefined): OpConverter | undefined {
  return !domain || domain === 'ai.onnx' ? OP_CONVERTERS[opType] : undefined;
}
