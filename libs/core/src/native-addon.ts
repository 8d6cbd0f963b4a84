// Compiles an optional Node-API addon from C/C++ source on first use, for this CPU (-O3 -march=native),
// and caches it by a hash of the source, the extra inputs, the flags, the CPU features and the Node ABI
// under ~/.cache/cascade/native (or CASCADE_NATIVE_CACHE). Callers fall back to portable code when it throws.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface NativeAddonSpec {
  /** Module name, also the cached file's prefix (e.g. `hnsw_binding`). */
  name: string;
  sourcePath: string;
  language: 'c' | 'c++';
  /** Extra compiler arguments (include folders, -std, -fopenmp). */
  args?: string[];
  /** Other files the build depends on (headers), mixed into the cache key. */
  dependsOn?: string[];
}

let flagsCache: Set<string> | undefined;

/** The CPU's feature flags from /proc/cpuinfo (empty where unavailable). */
export function cpuFlags(): Set<string> {
  if (flagsCache) return flagsCache;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flagsCache = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    flagsCache = new Set();
  }
  return flagsCache;
}

function nodeIncludeDir(): string {
  const candidates = [path.resolve(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((d) => existsSync(path.join(d, 'node_api.h')));
  if (!found) throw new Error('Node-API headers (node_api.h) not found');
  return found;
}

/** Loads the addon, compiling it first when no cached build matches; throws with the reason when it cannot. */
export function loadNativeAddon<T>(spec: NativeAddonSpec): T {
  const args = ['-O3', '-march=native', '-shared', '-fPIC', `-DNODE_GYP_MODULE_NAME=${spec.name}`, `-I${nodeIncludeDir()}`, ...(spec.args ?? [])];
  const hash = createHash('sha256').update(readFileSync(spec.sourcePath));
  for (const file of spec.dependsOn ?? []) hash.update(file).update(readFileSync(file));
  const key = hash
    .update(args.join(' '))
    .update(process.versions.modules)
    .update(process.arch)
    .update([...cpuFlags()].sort().join(' '))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = process.env.CASCADE_NATIVE_CACHE ?? path.join(os.homedir(), '.cache', 'cascade', 'native');
  const target = path.join(cacheDir, `${spec.name}-${key}.node`);
  if (!existsSync(target)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    const compiler = spec.language === 'c' ? (process.env.CC ?? 'gcc') : (process.env.CXX ?? 'g++');
    try {
      execFileSync(compiler, [...args, spec.sourcePath, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
      renameSync(tmp, target); // atomic: concurrent first uses never load a half-written file
    } catch (error) {
      rmSync(tmp, { force: true });
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`compiling ${path.basename(spec.sourcePath)} failed: ${stderr || (error as Error).message}`);
    }
  }
  return createRequire(import.meta.url)(target) as T;
}
