// Picks the TensorFlow.js backend at run time: tfjs-node when installed, else wasm (SIMD), else the plain cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

export type TensorflowBackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<TensorflowBackendName> | null = null;

async function tryNode(): Promise<boolean> {
  try {
    // A variable specifier: tfjs-node is an optional dependency and usually absent.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    const require = createRequire(import.meta.url);
    const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    setWasmPaths(`${path.dirname(wasmFile)}${path.sep}`);
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Initialises TensorFlow.js once and returns the backend in use. `CASCADE_TF_BACKEND=tensorflow|wasm|cpu`
 * forces one (falling back down the list when it cannot start).
 */
export function initTensorflowBackend(): Promise<TensorflowBackendName> {
  if (!chosen) {
    chosen = (async () => {
      const forced = process.env.CASCADE_TF_BACKEND;
      if (forced && !['tensorflow', 'wasm', 'cpu'].includes(forced)) {
        throw new Error(`CASCADE_TF_BACKEND must be tensorflow, wasm or cpu, got "${forced}"`);
      }
      if ((!forced || forced === 'tensorflow') && (await tryNode())) return 'tensorflow';
      if ((!forced || forced !== 'cpu') && (await tryWasm())) return 'wasm';
      if (!(await tf.setBackend('cpu'))) throw new Error('no TensorFlow.js backend could be initialised');
      await tf.ready();
      return 'cpu';
    })();
  }
  return chosen;
}

export { tf };
