// Loads the optional native Thompson slot-filling kernel (native/thompson_kernels.c, a Node-API addon), compiled
// on first use with the system's gcc for this CPU and cached by a hash of the source, the flags and the Node
// ABI (see loadNativeAddon). Anything missing (no gcc, no Node headers) leaves the JavaScript path in use.
// CASCADE_EXPLORE_ENGINE=js forces the JavaScript port of the kernel, =reference the full JavaScript rankings,
// =native makes a missing kernel an error.
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

/**
 * Which Thompson slot-filling engine to use: `native` (the C kernel), `js` (its JavaScript port), `reference`
 * (every arm drawn in every ranking), or `auto` = native when it can be built here, else js.
 */
export type ExploreEngine = 'auto' | 'native' | 'js' | 'reference';

/** The engine an `ExploreEngine` resolved to, with the kernel for `native`. */
export type ResolvedExploreEngine = { kind: 'native'; kernels: NativeExploreKernels } | { kind: 'js' | 'reference'; kernels: null };

const ENGINES: readonly string[] = ['auto', 'native', 'js', 'reference'];

const sourcePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native', 'thompson_kernels.c');
let loaded: NativeExploreKernels | null | undefined;
let failure: string | null = null;

/** The engine requested by CASCADE_EXPLORE_ENGINE (unset or empty: `auto`). */
export function exploreEngineFromEnv(): ExploreEngine {
  const value = process.env.CASCADE_EXPLORE_ENGINE;
  if (value === undefined || value === '') return 'auto';
  if (ENGINES.includes(value)) return value as ExploreEngine;
  throw new Error(`CASCADE_EXPLORE_ENGINE must be 'auto', 'native', 'js' or 'reference', got "${value}"`);
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
  if (typeof engine === 'string' && ENGINES.includes(engine)) return engine as ExploreEngine;
  throw new Error(`${name} must be 'auto', 'native', 'js' or 'reference', got ${String(engine)}`);
}

/**
 * The engine for a request: `auto` defers to CASCADE_EXPLORE_ENGINE and then takes native when it can be
 * built here, else js; an explicit engine wins over the variable; `native` throws when it cannot be built.
 */
export function resolveExploreEngine(engine: ExploreEngine = 'auto'): ResolvedExploreEngine {
  const wanted = engine === 'auto' ? exploreEngineFromEnv() : engine;
  if (wanted === 'js' || wanted === 'reference') return { kind: wanted, kernels: null };
  const kernels = loadNativeExplore();
  if (kernels) return { kind: 'native', kernels };
  if (wanted === 'native') throw new Error(`the native exploration engine is unavailable: ${failure}`);
  return { kind: 'js', kernels: null };
}

/** What the default (`auto`) engine resolves to here, and why native is missing if it is. */
export function exploreEngineInfo(): { engine: 'native' | 'js' | 'reference'; native: boolean; failure: string | null } {
  const native = loadNativeExplore() !== null;
  return { engine: resolveExploreEngine('auto').kind, native, failure };
}
