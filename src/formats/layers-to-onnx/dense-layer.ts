import { applyActivation, configActivation, isLinear } from './activation-layers.js';
import { fromKerasLayout, toKerasLayout } from './feature-values.js';
import { configBoolean, configNumber, floatWeight, outputName, singleInput } from './layer-context.js';
import type { LayerMapper } from './layer-context.js';

/**
 * Dense: x · kernel + bias over the last axis. A vector input becomes one Gemm (kernel [in, out] as B, no
 * transpose); a higher-rank one a MatMul and an Add in Keras layout. A following BatchNormalization folds into it.
 */
export const mapDense: LayerMapper = (ctx) => {
  const b = ctx.builder;
  const x = singleInput(ctx);
  const inDim = x.shape[x.shape.length - 1] as number;
  const units = configNumber(ctx, 'units', ctx.weights.get('kernel')?.shape[1] ?? 0);
  let weights = floatWeight(ctx, 'kernel', [inDim, units]);
  let bias = configBoolean(ctx, 'use_bias', true) ? floatWeight(ctx, 'bias', [units]) : undefined;
  const activation = configActivation(ctx);
  const shape = [...x.shape.slice(0, -1), units];
  let name = isLinear(activation) ? outputName(ctx) : `${ctx.layer.name}/dense`;
  if (ctx.fold) {
    const { scale, shift } = ctx.fold.affine({ name, shape });
    weights = weights.map((v, i) => v * (scale[i % units] as number));
    bias = Float32Array.from(scale, (s, j) => (bias?.[j] ?? 0) * s + (shift[j] as number));
    name = ctx.fold.name;
  }
  const kernel = b.constant(`${ctx.layer.name}/kernel`, [inDim, units], weights);
  const biasName = bias ? b.constant(`${ctx.layer.name}/bias`, [units], bias) : undefined;
  let result: string;
  if (x.shape.length === 1) {
    result = b.node('Gemm', biasName ? [x.name, kernel, biasName] : [x.name, kernel], {}, name);
  } else {
    // The last node carries the layer's name: the Add, the MatMul without bias, or the transpose back to NCHW.
    const backToNchw = shape.length === 3;
    const product = b.node('MatMul', [toKerasLayout(b, x, ctx.layer.name), kernel], {}, biasName || backToNchw ? `${ctx.layer.name}/matmul` : name);
    const biased = biasName ? b.node('Add', [product, biasName], {}, backToNchw ? `${ctx.layer.name}/biased` : name) : product;
    result = backToNchw ? fromKerasLayout(b, biased, shape, name).name : biased;
  }
  return applyActivation(ctx, { name: result, shape }, activation);
};
