// One `npm start` for all the console's browser tests: a fresh embedded database in a temp folder, free
// ports for the API and the console, a known first-admin password, the whole process group stopped at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../free-port.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ConsoleStack {
  apiUrl: string;
  consoleUrl: string;
  adminEmail: string;
  adminPassword: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startConsoleStack(options: { readyTimeoutMs?: number } = {}): Promise<ConsoleStack> {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'cascade-console-e2e-'));
  const [apiPort, consolePort] = [await freePort(), await freePort()];
  const adminEmail = 'admin@localhost';
  const adminPassword = 'e2e-console-password-1';
  const child: ChildProcess = spawn('npm', ['start', '--', '--port', String(apiPort), '--console-port', String(consolePort)], {
    cwd: root,
    env: {
      ...process.env,
      CASCADE_DATA_DIR: path.join(tempDir, 'data'),
      CASCADE_MODELS_DIR: path.join(tempDir, 'models'),
      CASCADE_ADMIN_EMAIL: adminEmail,
      CASCADE_ADMIN_PASSWORD: adminPassword,
      DATABASE_URL: '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(tempDir, { recursive: true, force: true });
  };
  const ready = new Promise<{ apiUrl: string; consoleUrl: string }>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 240_000;
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API\s+(http:\/\/\S+)\/trpc/.exec(output);
      const consoleUrl = /cascade: console\s+(http:\/\/\S+)/.exec(output);
      if (/ready in [\d.]+ s/.test(output) && api && consoleUrl) {
        clearTimeout(timer);
        resolve({ apiUrl: api[1], consoleUrl: consoleUrl[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`));
    });
  });
  try {
    const urls = await ready;
    return { ...urls, adminEmail, adminPassword, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
