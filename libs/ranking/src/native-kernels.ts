// Loads the optional native dense kernels (native/dnn_kernels.c, a Node-API addon). They are compiled on first
// use with the system's gcc for this CPU (-march=native: AVX-512 or AVX2/FMA) and cached by a hash of the
// source, the compiler flags and the Node ABI. Anything missing (no gcc, no Node headers, no x86-64 SIMD)
// makes loadNativeKernels() return null and the DNN runs on TensorFlow.js instead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFlags, loadNativeAddon } from '@cascade/core';

export interface NativeKernels {
  /** C (m×n) = op(A) (m×k) · op(B) (k×n), row-major, op = transpose when the flag is 1. */
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;
  /** C[i][j] += bias[j], then ReLU when relu is 1. */
  biasActivation(c: Float32Array, bias: Float32Array, m: number, n: number, relu: number): void;
  /** d[i] = 0 where act[i] <= 0. */
  reluBackward(d: Float32Array, act: Float32Array, count: number): void;
  /** out[j] = Σ_i X[i][j]. */
  columnSums(out: Float32Array, x: Float32Array, m: number, n: number): void;
  /** One dense Adam step: x −= alpha · m / (√v + epsilon) after updating m and v from g. */
  adam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, alpha: number, beta1: number, beta2: number, epsilon: number): void;
  /** Adam on rows `rowIds[0..count)` of an embedding table laid out as [x m v] per `stride` floats. */
  lazyAdam(state: Float32Array, stride: number, dim: number, rowIds: Int32Array, count: number, grads: Float32Array, alpha: number, beta1: number, beta2: number, epsilon: number): void;
  setThreads(n: number): void;
  /**
   * Packs an MLP (`sizes` = [input, hidden…, 1], weights[i] sizes[i] × sizes[i+1] row-major) for inference:
   * precision 0 = fp32, 1 = bf16 (only where bf16Supported()). The plan is a copy of the parameters.
   */
  mlpPlan(sizes: Int32Array, weights: readonly Float32Array[], biases: readonly Float32Array[], precision: number): Uint8Array;
  /** out[b] = MLP(x[b]) for b < batch, on the calling thread. */
  mlpForward(plan: Uint8Array, x: Float32Array, batch: number, out: Float32Array): void;
  /**
   * The same on the libuv thread pool; the plan, x and out are held until it settles and must not be written
   * meanwhile.
   */
  mlpForwardAsync(plan: Uint8Array, x: Float32Array, batch: number, out: Float32Array): Promise<void>;
  /** Whether this build has the bf16 kernels (compiled for a CPU with AVX512-BF16). */
  bf16Supported(): boolean;
}

export interface LoadedNativeKernels {
  kernels: NativeKernels;
  /** `native-avx512` or `native-avx2`. */
  name: string;
  threads: number;
  /** Whether bf16 inference is available (the CPU and compiler have AVX512-BF16). */
  bf16: boolean;
}

const sourcePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native', 'dnn_kernels.c');
let loaded: LoadedNativeKernels | null | undefined;
let failure: string | null = null;

/** Why the native kernels are unavailable (null when they loaded or were not tried). */
export function nativeKernelsFailure(): string | null {
  return failure;
}

/**
 * The native kernels, compiled on first use, or null when they cannot be built here or
 * `CASCADE_DNN_ENGINE=tfjs`. Threads: `CASCADE_DNN_THREADS` (default 1: the machine is usually shared, and a
 * descheduled OpenMP thread stalls every product).
 */
export function loadNativeKernels(): LoadedNativeKernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    if (process.env.CASCADE_DNN_ENGINE === 'tfjs') throw new Error('disabled by CASCADE_DNN_ENGINE=tfjs');
    if (process.arch !== 'x64') throw new Error(`needs x86-64, this is ${process.arch}`);
    const flags = cpuFlags();
    const avx512 = flags.has('avx512f');
    if (!avx512 && !(flags.has('avx2') && flags.has('fma'))) throw new Error('the CPU has neither AVX-512 nor AVX2/FMA');
    const kernels = loadNativeAddon<NativeKernels>({ name: 'dnn_kernels', sourcePath, language: 'c', args: ['-fopenmp'] });
    const threads = Number(process.env.CASCADE_DNN_THREADS ?? 1);
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`CASCADE_DNN_THREADS must be a positive integer, got "${process.env.CASCADE_DNN_THREADS}"`);
    kernels.setThreads(threads);
    loaded = { kernels, name: avx512 ? 'native-avx512' : 'native-avx2', threads, bf16: kernels.bf16Supported() };
  } catch (error) {
    failure = (error as Error).message;
  }
  return loaded;
}
