import { mapActivation, mapELU, mapLeakyReLU, mapPReLU, mapReLU, mapSoftmax, mapThresholdedReLU } from './activation-layers.js';
import { mapBatchNormalization } from './batch-norm.js';
import { mapConv2D, mapDepthwiseConv2D, mapSeparableConv2D } from './convolution-layers.js';
import { mapDense } from './dense-layer.js';
import type { LayerMapper } from './layer-context.js';
import { mapAdd, mapAverage, mapConcatenate, mapMaximum, mapMinimum, mapMultiply, mapSubtract } from './merge-layers.js';
import { mapAveragePooling2D, mapGlobalAveragePooling2D, mapGlobalMaxPooling2D, mapMaxPooling2D } from './pooling-layers.js';
import { mapFlatten, mapIdentity, mapReshape, mapZeroPadding2D } from './shape-layers.js';

/** Keras layer class -> its ONNX mapping. InputLayer is handled by the converter itself. */
export const LAYER_MAPPERS: Readonly<Record<string, LayerMapper>> = {
  Conv2D: mapConv2D,
  DepthwiseConv2D: mapDepthwiseConv2D,
  SeparableConv2D: mapSeparableConv2D,
  Dense: mapDense,
  BatchNormalization: mapBatchNormalization,
  Activation: mapActivation,
  ReLU: mapReLU,
  LeakyReLU: mapLeakyReLU,
  ELU: mapELU,
  ThresholdedReLU: mapThresholdedReLU,
  Softmax: mapSoftmax,
  PReLU: mapPReLU,
  Add: mapAdd,
  Subtract: mapSubtract,
  Multiply: mapMultiply,
  Average: mapAverage,
  Maximum: mapMaximum,
  Minimum: mapMinimum,
  Concatenate: mapConcatenate,
  ZeroPadding2D: mapZeroPadding2D,
  MaxPooling2D: mapMaxPooling2D,
  AveragePooling2D: mapAveragePooling2D,
  GlobalAveragePooling2D: mapGlobalAveragePooling2D,
  GlobalMaxPooling2D: mapGlobalMaxPooling2D,
  Flatten: mapFlatten,
  Reshape: mapReshape,
  Dropout: mapIdentity,
  SpatialDropout1D: mapIdentity,
  SpatialDropout2D: mapIdentity,
  GaussianNoise: mapIdentity,
  GaussianDropout: mapIdentity,
  AlphaDropout: mapIdentity,
};

/** Keras aliases: Keras 3 and tf.keras spell some classes differently from tfjs-layers. */
const ALIASES: Readonly<Record<string, string>> = {
  Convolution2D: 'Conv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
};

export const SUPPORTED_LAYER_CLASSES: readonly string[] = ['InputLayer', ...Object.keys(LAYER_MAPPERS)];

export function findLayerMapper(className: string): LayerMapper | undefined {
  return LAYER_MAPPERS[ALIASES[className] ?? className];
}

/** Layer classes into which a following BatchNormalization folds (when their own activation is linear). */
export const FOLDS_BATCH_NORM: ReadonlySet<string> = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'Convolution2D', 'SeparableConvolution2D']);
