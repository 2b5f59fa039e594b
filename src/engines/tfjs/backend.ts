import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from './gradient-kernels/index.js';

let ready: Promise<void> | undefined;

/**
 * Puts tfjs on its wasm backend, once per process. tfjs keeps its backend in a global, so every TfjsEngine shares
 * it; the wasm binaries are read from the installed package, never fetched. Also registers the gradient kernels wasm
 * lacks (or runs too slowly) for training convolutions.
 */
export function initWasmBackend(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    setWasmPaths(path.dirname(wasmFile) + path.sep);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('tfjs could not start its wasm backend');
    await tf.ready();
    registerWasmGradientKernels();
  })();
  return ready;
}

export { tf };
