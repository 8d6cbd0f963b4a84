// Loads the optional native Thompson slot-filling kernel (native/thompson_kernels.c, a Node-API addon), compiled
// on first use with the system's gcc for this CPU and cached by a hash of the source, the flags and the Node
// ABI (see loadNativeAddon). Anything missing (no gcc, no Node headers) leaves the JavaScript path in use.
// CASCADE_EXPLORE_ENGINE=js forces the JavaScript path; =native makes a missing kernel an error.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '@cascade/core';

export interface NativeExploreKernels {
  /**
   * Thompson slot filling over n arms with posteriors Beta(alpha[i], beta[i]): `served` receives the positions
   * of the top-k of one draw per arm (best first), `hits[j]` how many of `draws` further independent rankings
   * put served[j] in slot j. `seed` (4 words) seeds the kernel's generators.
   */
  fillSlots(alpha: Float64Array, beta: Float64Array, k: number, draws: number, seed: Int32Array, served: Int32Array, hits: Float64Array): void;
}

/** Which Thompson engine to use: `auto` = native when it can be built here, else JavaScript. */
export type ExploreEngine = 'auto' | 'js' | 'native';

const sourcePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native', 'thompson_kernels.c');
let loaded: NativeExploreKernels | null | undefined;
let failure: string | null = null;

/** The engine requested by CASCADE_EXPLORE_ENGINE (unset or empty: `auto`). */
export function exploreEngineFromEnv(): ExploreEngine {
  const value = process.env.CASCADE_EXPLORE_ENGINE;
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || value === 'js' || value === 'native') return value;
  throw new Error(`CASCADE_EXPLORE_ENGINE must be 'auto', 'js' or 'native', got "${value}"`);
}

/** The native kernel, compiled on first use, or null when it cannot be built here (see `nativeExploreFailure`). */
export function loadNativeExplore(): NativeExploreKernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    loaded = loadNativeAddon<NativeExploreKernels>({ name: 'thompson_kernels', sourcePath, language: 'c', args: ['-lm'] });
  } catch (error) {
    failure = (error as Error).message;
  }
  return loaded;
}

/** Why the native kernel is unavailable (null when it loaded or was not tried). */
export function nativeExploreFailure(): string | null {
  return failure;
}

/** Validates an engine option (`name` is the option's name in the message). */
export function checkExploreEngine(engine: unknown, name: string): ExploreEngine {
  if (engine === 'auto' || engine === 'js' || engine === 'native') return engine;
  throw new Error(`${name} must be 'auto', 'js' or 'native', got ${String(engine)}`);
}

/**
 * The kernel for a requested engine: null for `js` (and for `auto` when it cannot be built); `native`
 * throws when it cannot be built. An explicit engine wins over CASCADE_EXPLORE_ENGINE; `auto` defers to it.
 */
export function resolveExploreEngine(engine: ExploreEngine = 'auto'): NativeExploreKernels | null {
  const wanted = engine === 'auto' ? exploreEngineFromEnv() : engine;
  if (wanted === 'js') return null;
  const kernels = loadNativeExplore();
  if (!kernels && wanted === 'native') throw new Error(`the native exploration engine is unavailable: ${failure}`);
  return kernels;
}

/** What the default (`auto`) engine resolves to here, and why native is missing if it is. */
export function exploreEngineInfo(): { engine: 'js' | 'native'; native: boolean; failure: string | null } {
  const native = loadNativeExplore() !== null;
  const wanted = exploreEngineFromEnv();
  return { engine: wanted !== 'js' && native ? 'native' : 'js', native, failure };
}
