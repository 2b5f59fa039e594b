import { attr } from '../onnx/index.js';
import { configBoolean, configPadding, configPair, featureMapInput, layerError, outputName } from './layer-context.js';
import type { LayerMapper } from './layer-context.js';
import { placeWindow } from './spatial-shapes.js';

/**
 * MaxPooling2D and AveragePooling2D with TF's padding made explicit. ONNX MaxPool ignores padded cells, as TF does;
 * AveragePool gets count_include_pad = 0, because TF's 'same' average divides by the cells inside the image.
 */
function pooling(op: 'MaxPool' | 'AveragePool'): LayerMapper {
  return (ctx) => {
    const x = featureMapInput(ctx);
    const [h, w, c] = x.shape as [number, number, number];
    const kernel = configPair(ctx, 'pool_size', [2, 2]);
    const window = { kernel, strides: configPair(ctx, 'strides', kernel), dilations: [1, 1] as [number, number], padding: configPadding(ctx) };
    const placement = placeWindow([h, w], window);
    if (!placement) throw layerError(ctx, `has a ${kernel.join('x')} window that does not fit its ${h}x${w} input.`);
    const attributes = { kernel_shape: attr.ints(kernel), strides: attr.ints(window.strides), pads: attr.ints(placement.pads) };
    const name = ctx.builder.node(op, [x.name], op === 'AveragePool' ? { ...attributes, count_include_pad: attr.int(0) } : attributes, outputName(ctx));
    return { name, shape: [...placement.output, c] };
  };
}

export const mapMaxPooling2D = pooling('MaxPool');
export const mapAveragePooling2D = pooling('AveragePool');

/** Global pooling: a reduction over H and W (NCHW axes 2, 3); `keepdims` keeps a [1, 1, C] map. */
function globalPooling(op: 'ReduceMean' | 'ReduceMax'): LayerMapper {
  return (ctx) => {
    const x = featureMapInput(ctx);
    const c = x.shape[2] as number;
    const keep = configBoolean(ctx, 'keepdims', false);
    const name = ctx.builder.node(op, [x.name], { axes: attr.ints([2, 3]), keepdims: attr.int(keep ? 1 : 0) }, outputName(ctx));
    return { name, shape: keep ? [1, 1, c] : [c] };
  };
}

export const mapGlobalAveragePooling2D = globalPooling('ReduceMean');
export const mapGlobalMaxPooling2D = globalPooling('ReduceMax');
