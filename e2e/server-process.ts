// apps/server as a child process for the end-to-end suites: started on a free port, ready once it logs "ready".
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** How the suites run TypeScript entry points: workspace sources through the export condition, tsx. */
export const nodeArgs = ['--conditions=@cascade/source', '--import', 'tsx'];

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Sends `signal` (to the process group) and resolves with the exit code once it is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts apps/server with `env` (its own process group) and resolves once it is ready. */
export async function startServerProcess(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn('node', [...nodeArgs, 'apps/server/src/main.ts'], {
    cwd: repoRoot,
    env: { ...env, CASCADE_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, signal);
    return exited;
  };
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"ready"/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal} before it was ready:\n${output}`));
    });
  });
  return { url, child, stop };
}
