/**
 * Training-step time of MobileNetV2's top on tfjs's wasm backend with headstart's gradient kernels
 * (src/engines/tfjs/gradient-kernels), against tfjs's cpu backend (plain JS kernels, the only backend that trains
 * these layers without them).
 *
 * The top is what fine-tuning above the default cut trains: the mobilenet-v2 zoo model's layers after
 * block_13_expand_relu up to out_relu (block_13's padded stride-2 depthwise and projection, blocks 14-16, Conv_1),
 * re-applied on a [14, 14, 576] input, plus global average pooling and a fresh 5-way dense head. One step =
 * forward with batch-norm in training mode, softmax cross-entropy on random labels, gradients of every trainable
 * weight (tf.variableGrads); no optimizer update. Inputs are random activations in [0, 6).
 *
 * wasm, each batch size: one untimed step, then --repeats timed steps (median reported). cpu: one timed step per
 * --cpu-batches size, no warm-up (a step takes minutes: its convolution gradients are per-element JS loops). Peak
 * memory: the wasm heap size after the runs (it only grows) and the largest process RSS, read after each step's
 * gradients are computed and before they are freed.
 *
 * Usage: npx tsx bench/gradient-kernels.ts [--repeats N] [--batches 8,16] [--cpu-batches 8]
 * Writes bench/results/gradient-kernels.json. HEADSTART_HOME names the backbone folder (default: a temp folder).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { writeFileAtomic } from '../src/core/index.js';
import { initWasmBackend } from '../src/engines/tfjs/backend.js';
import { readModelArtifacts } from '../src/engines/tfjs/model-files.js';
import { WASM_GRADIENT_KERNELS } from '../src/engines/tfjs/gradient-kernels/index.js';
import { installBackbone } from '../src/index.js';

const CUT = 'block_13_expand_relu';
const LAST = 'out_relu';
const CLASSES = 5;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'gradient-kernels.json');

interface StepResult {
  backend: 'wasm' | 'cpu';
  batch: number;
  medianStepMs: number;
  msPerImage: number;
  stepsMs: number[];
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected --${flag} to be a positive integer. Received: '${value}'.`);
  return n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The layers after `cut` up to `last`, re-applied in order on a fresh input (MobileNetV2's residual adds included). */
function subModel(model: tf.LayersModel, cut: string, last: string): tf.LayersModel {
  const start = model.layers.findIndex((l) => l.name === cut);
  const cutOutput = model.getLayer(cut).getOutputAt(0) as tf.SymbolicTensor;
  const input = tf.input({ shape: cutOutput.shape.slice(1) as number[] });
  const applied = new Map<number, tf.SymbolicTensor>([[cutOutput.id, input]]);
  let output = input;
  for (const layer of model.layers.slice(start + 1)) {
    const node = (layer as unknown as { inboundNodes: { inputTensors: tf.SymbolicTensor[] }[] }).inboundNodes[0]!;
    const inputs = node.inputTensors.map((t) => {
      const mapped = applied.get(t.id);
      if (mapped === undefined) throw new Error(`${layer.name} reads ${t.name}, which comes from below ${cut}.`);
      return mapped;
    });
    output = layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tf.SymbolicTensor;
    applied.set((layer.getOutputAt(0) as tf.SymbolicTensor).id, output);
    if (layer.name === last) break;
  }
  const pooled = tf.layers.globalAveragePooling2d({}).apply(output) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: CLASSES }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

let peakRss = 0;

async function timeSteps(top: tf.LayersModel, backend: 'wasm' | 'cpu', batch: number, warmUp: boolean, repeats: number): Promise<StepResult> {
  const inShape = (top.inputs[0]!.shape.slice(1) as number[]);
  const x = tf.randomUniform([batch, ...inShape], 0, 6);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32'), CLASSES));
  const variables = top.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (): number => {
    const start = performance.now();
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, top.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    for (const g of Object.values(grads)) g.dataSync();
    const ms = performance.now() - start;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    tf.dispose([value, ...Object.values(grads)]);
    return ms;
  };
  if (warmUp) step();
  const stepsMs = Array.from({ length: repeats }, step);
  tf.dispose([x, labels]);
  const medianStepMs = median(stepsMs);
  return { backend, batch, medianStepMs, msPerImage: medianStepMs / batch, stepsMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { repeats: { type: 'string' }, batches: { type: 'string' }, 'cpu-batches': { type: 'string' } },
    strict: false, // bench/run.ts passes every bench the same flags
  });
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const repeats = positiveInt('repeats', str(values.repeats), 3);
  const batchList = (flag: string, fallback: string) => (str(values[flag]) ?? fallback).split(',').map((b) => positiveInt(flag, b.trim(), 0));
  const batches = { wasm: batchList('batches', '8,16'), cpu: batchList('cpu-batches', '8') };
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-'));
  try {
    const home = process.env.HEADSTART_HOME ?? path.join(tempDir, 'home');
    await initWasmBackend();
    const installed = await installBackbone('mobilenet-v2', { home });
    const full = await tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(installed.files)));
    const top = subModel(full, CUT, LAST);
    const wasm = tf.engine().findBackend('wasm') as BackendWasm;
    const results: StepResult[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      for (const batch of batches[backend]) {
        const r = await timeSteps(top, backend, batch, backend === 'wasm', backend === 'wasm' ? repeats : 1);
        console.log(`${backend} batch ${batch}: ${r.medianStepMs.toFixed(0)} ms per step, ${r.msPerImage.toFixed(1)} ms per image`);
        results.push(r);
      }
    }
    await tf.setBackend('wasm');
    const wasmHeapBytes = (wasm.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.byteLength;
    full.dispose();
    const speedups = batches.cpu.flatMap((batch) => {
      const w = results.find((r) => r.backend === 'wasm' && r.batch === batch);
      const c = results.find((r) => r.backend === 'cpu' && r.batch === batch)!;
      return w === undefined ? [] : [{ batch, wasmVsCpu: c.medianStepMs / w.medianStepMs }];
    });
    for (const s of speedups) console.log(`batch ${s.batch}: wasm with headstart's kernels is ${s.wasmVsCpu.toFixed(1)}x faster than cpu`);
    console.log(`peak memory: wasm heap ${(wasmHeapBytes / 2 ** 20).toFixed(0)} MiB, process RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      model: `mobilenet-v2 layers after ${CUT} up to ${LAST}, + global average pooling + dense(${CLASSES})`,
      step: 'forward (batch norm in training mode) + softmax cross-entropy + tf.variableGrads of all trainable weights',
      kernels: WASM_GRADIENT_KERNELS.map((k) => k.kernelName),
      results,
      speedups,
      peakMemory: { wasmHeapBytes, processRssBytes: peakRss },
    };
    await writeFileAtomic(RESULT_FILE, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${path.relative(repoRoot, RESULT_FILE)}`);
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
