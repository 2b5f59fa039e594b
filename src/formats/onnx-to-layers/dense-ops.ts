import { constantFloats, floatAttr, intAttr, opError, outputHint, requireConstant } from './op-context.js';
import type { LayersValue, OpContext, OpConverter } from './op-context.js';

/** The vector input of a Gemm or MatMul, which a Dense layer takes. */
function vectorInput(ctx: OpContext): LayersValue {
  const x = ctx.value(0);
  if (x.shape.length !== 1) throw opError(ctx, `multiplies a value of dims [batch, ${x.shape.join(', ')}]; headstart rebuilds it on [batch, features] (a Dense layer) only. Flatten first.`);
  return x;
}

function dense(ctx: OpContext, x: LayersValue, kernel: Float32Array, units: number, bias?: Float32Array): LayersValue {
  const inputs = x.shape[0] as number;
  const layer = ctx.keras.add('Dense', outputHint(ctx), { units, activation: 'linear', use_bias: bias !== undefined }, [x.layer], {
    kernel: { shape: [inputs, units], data: kernel },
    ...(bias ? { bias: { shape: [units], data: bias } } : {}),
  });
  return { layer, shape: [units], layout: 'nchw' };
}

/** Gemm(A, B, C) = alpha * A B' + beta * C with a constant B (transposed or not) and an optional constant C: Dense. */
export const mapGemm: OpConverter = (ctx) => {
  const x = vectorInput(ctx);
  if (intAttr(ctx, 'transA', 0) !== 0) throw opError(ctx, 'has transA 1; headstart rebuilds Gemm on [batch, features] inputs only.');
  const b = requireConstant(ctx, 1, 'the weight matrix');
  const transB = intAttr(ctx, 'transB', 0) !== 0;
  const [rows, cols] = b.dims as [number, number];
  const [inputs, units] = transB ? [cols, rows] : [rows, cols];
  if (b.dims.length !== 2 || inputs !== x.shape[0]) throw opError(ctx, `has a weight matrix of dims [${b.dims.join(', ')}] for ${x.shape[0]} input features.`);
  const alpha = floatAttr(ctx, 'alpha', 1);
  const source = constantFloats(b);
  const kernel = new Float32Array(inputs * units);
  for (let i = 0; i < inputs; i++) for (let j = 0; j < units; j++) kernel[i * units + j] = alpha * (source[transB ? j * inputs + i : i * units + j] as number);
  let bias: Float32Array | undefined;
  if (ctx.node.inputs[2]) {
    const c = constantFloats(requireConstant(ctx, 2, 'the bias'));
    if (c.length !== 1 && c.length !== units) throw opError(ctx, `has a bias of ${c.length} values for ${units} outputs.`);
    const beta = floatAttr(ctx, 'beta', 1);
    bias = Float32Array.from({ length: units }, (_, j) => beta * (c[c.length === 1 ? 0 : j] as number));
  }
  return dense(ctx, x, alpha === 1 && !transB ? source : kernel, units, bias);
};

/** MatMul(A, B) with a constant [K, N] B: Dense without bias (an Add after it folds into the bias). */
export const mapMatMul: OpConverter = (ctx) => {
  const x = vectorInput(ctx);
  const b = requireConstant(ctx, 1, 'the weight matrix');
  if (b.dims.length !== 2 || b.dims[0] !== x.shape[0]) throw opError(ctx, `has a weight matrix of dims [${b.dims.join(', ')}] for ${x.shape[0]} input features.`);
  return dense(ctx, x, constantFloats(b), b.dims[1] as number);
};
