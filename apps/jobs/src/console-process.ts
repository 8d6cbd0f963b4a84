// The admin console (apps/console, Next.js) as a child process of `npm start`: built with `next build` when
// its build is missing or older than its sources, then served with `next start`. The console forwards /trpc to
// the API named by CASCADE_API_URL, so the browser stays on one origin and the httpOnly session cookie works.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartConsoleOptions {
  /** The API's base URL (e.g. http://127.0.0.1:4000), without /trpc. */
  apiUrl: string;
  port: number;
  host: string;
  /** One line per step (building, ready), for the CLI's output. */
  onProgress?: (line: string) => void;
  /** How long `next start` may take to answer (default 60 s). */
  readyTimeoutMs?: number;
  /** Aborting stops the build or the server (e.g. Ctrl+C while the console still builds). */
  signal?: AbortSignal;
}

export interface ConsoleProcess {
  url: string;
  close(): Promise<void>;
}

/** apps/console, next to this app. */
export const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console');

const SOURCE_ENTRIES = ['src', 'next.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** True when the console has no production build, or one older than any of its sources. */
export function consoleBuildIsStale(dir = consoleDir): boolean {
  const buildId = path.join(dir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCE_ENTRIES.some((entry) => newestMtime(path.join(dir, entry)) > built);
}

function nextBin(dir: string): string {
  return createRequire(path.join(dir, 'package.json')).resolve('next/dist/bin/next');
}

/** Next reads NODE_ENV; a test runner's "test" would make it warn and build oddly. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...extra };
}

/** An interrupted build or start (Ctrl+C, or the caller aborting): not a failure to report. */
export class ConsoleInterruptedError extends Error {
  override name = 'AbortError';
}

function run(args: string[], dir: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ConsoleInterruptedError(`next ${args[0]} aborted`));
    const child = spawn(process.execPath, [nextBin(dir), ...args], { cwd: dir, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort, { once: true });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, killedBy) => {
      signal?.removeEventListener('abort', abort);
      if (code === 0) resolve();
      else if (signal?.aborted || killedBy === 'SIGINT' || killedBy === 'SIGTERM') reject(new ConsoleInterruptedError(`next ${args[0]} interrupted`));
      else reject(new Error(`next ${args[0]} failed (${killedBy ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's holder is gone (killed mid-build) or it is older than any build takes. */
function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && !processIsAlive(pid)) return true;
    return Date.now() - statSync(lock).mtimeMs > 30 * 60_000;
  } catch {
    // no pid yet: the holder is writing it, unless the folder is old
    return existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 60_000;
  }
}

/** One build at a time per checkout: a second `npm start` waits for the first one's build. */
async function withBuildLock<T>(dir: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const lock = path.join(dir, '.next-build.lock');
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    if (signal?.aborted) throw new ConsoleInterruptedError('console build aborted');
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another console build holds ${lock}`);
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the console when its build is missing or stale; resolves with whether it built. */
export async function buildConsole(options: { dir?: string; onProgress?: (line: string) => void; signal?: AbortSignal } = {}): Promise<boolean> {
  const dir = options.dir ?? consoleDir;
  if (!existsSync(path.join(dir, 'package.json'))) throw new Error(`no console at ${dir}`);
  return withBuildLock(dir, async () => {
    if (!consoleBuildIsStale(dir)) return false;
    const started = performance.now();
    options.onProgress?.('cascade: console    building (next build, once per source change)…');
    await run(['build'], dir, options.signal);
    options.onProgress?.(`cascade: console    build done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return true;
  }, options.signal);
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.signalCode === 'SIGINT' || child.signalCode === 'SIGTERM') throw new ConsoleInterruptedError('next start interrupted');
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`next start exited (${child.signalCode ?? `exit ${child.exitCode}`}):\n${output().trim()}`);
    try {
      const response = await fetch(`${url}/sign-in`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the console did not answer on ${url} within ${timeoutMs / 1000} s:\n${output().trim()}`);
}

/** Builds the console if needed and serves it on host:port; `close()` stops the server. */
export async function startConsole(options: StartConsoleOptions): Promise<ConsoleProcess> {
  if (!/^https?:\/\/[^/]+/.test(options.apiUrl)) throw new Error(`apiUrl must be an http(s) URL, got "${options.apiUrl}"`);
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) throw new Error(`port must be an integer in 1..65535, got ${options.port}`);
  if (!options.host) throw new Error('host must not be empty');
  await buildConsole({ onProgress: options.onProgress, signal: options.signal });
  if (options.signal?.aborted) throw new ConsoleInterruptedError('console start aborted');
  const child = spawn(process.execPath, [nextBin(consoleDir), 'start', '--port', String(options.port), '--hostname', options.host], {
    cwd: consoleDir,
    env: childEnv({ CASCADE_API_URL: options.apiUrl.replace(/\/+$/, ''), PORT: String(options.port), HOSTNAME: options.host }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  try {
    await waitUntilServing(url, child, () => output, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}
