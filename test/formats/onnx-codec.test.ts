import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, addGraphOutputs, attr, decodeOnnxModel, encodeOnnxModel } from '../../src/formats/onnx/index.js';

/** NHWC input -> Transpose -> 1x1 Conv (weights w) -> Relu -> GlobalAveragePool -> Flatten. */
function tinyModel() {
  const b = new GraphBuilder('tiny');
  const x = b.input('pixels', 'float32', ['batch', 2, 2, 3]);
  const nchw = b.node('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }, 'nchw');
  const w = b.constant('w', [2, 3, 1, 1], Float32Array.from([1, 0, 0, 0, -1, 1]));
  const bias = b.constant('b', [2], Float32Array.from([0, 0.5]));
  const conv = b.node('Conv', [nchw, w, bias], { kernel_shape: attr.ints([1, 1]) }, 'conv');
  const relu = b.node('Relu', [conv], {}, 'relu');
  const pooled = b.node('GlobalAveragePool', [relu]);
  const features = b.node('Flatten', [pooled], { axis: attr.int(1) }, 'features');
  b.output(features, 'float32', ['batch', 2]);
  return b.buildModel({ source: 'test' });
}

describe('ONNX codec', () => {
  it('writes a model onnxruntime runs with the expected numbers', async () => {
    const bytes = encodeOnnxModel(tinyModel());
    const session = await ort.InferenceSession.create(bytes);
    // Two pixels of (1, 2, 3) and two of (3, 1, 0): channel 0 = r, channel 1 = relu(-g + b + 0.5).
    const x = Float32Array.from([1, 2, 3, 3, 1, 0, 1, 2, 3, 3, 1, 0]);
    const out = await session.run({ pixels: new ort.Tensor('float32', x, [1, 2, 2, 3]) });
    expect(Array.from(out.features?.data as Float32Array)).toEqual([2, (1.5 + 0) / 2]);
    await session.release();
  });

  it('decodes what it encodes', () => {
    const model = tinyModel();
    const decoded = decodeOnnxModel(encodeOnnxModel(model), 'tiny.onnx');
    expect(decoded.graph.nodes.map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'GlobalAveragePool', 'Flatten']);
    expect(decoded.graph.nodes[0]?.attributes?.perm).toEqual(attr.ints([0, 3, 1, 2]));
    expect(decoded.graph.initializers.find((t) => t.name === 'w')?.data).toEqual(Float32Array.from([1, 0, 0, 0, -1, 1]));
    expect(decoded.graph.inputs[0]).toEqual({ name: 'pixels', elemType: 'float32', shape: ['batch', 2, 2, 3] });
    expect(decoded.opsetVersion).toBe(17);
    expect(decoded.metadata).toEqual({ source: 'test' });
  });

  it('cuts a model at an intermediate value by making it an output', async () => {
    const bytes = addGraphOutputs(encodeOnnxModel(tinyModel()), ['relu'], 'tiny.onnx');
    const session = await ort.InferenceSession.create(bytes);
    expect(session.outputNames).toEqual(['features', 'relu']);
    const out = await session.run({ pixels: new ort.Tensor('float32', new Float32Array(12).fill(1), [1, 2, 2, 3]) }, ['relu']);
    expect(out.relu?.dims).toEqual([1, 2, 2, 2]);
    await session.release();
    expect(() => addGraphOutputs(bytes, ['rel'], 'tiny.onnx')).toThrow(/No node of tiny.onnx produces 'rel'. Similar names: relu/);
  });
});
