// Access to the peer baselines in ../shared/peers (Keras DeepFM/FM/LR, faiss HNSW) for side-by-side benchmarks.
// The shared folder is read-only for us: its scripts are copied into .cascade/peers and the venv is made there.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = path.resolve(process.env.CASCADE_SHARED_DIR ?? path.join(repoRoot, '..', 'shared'));
export const datasetsDir = path.join(sharedDir, 'datasets');
const peersSource = path.join(sharedDir, 'peers');
export const peersDir = path.join(repoRoot, '.cascade', 'peers');

/** Copies the peer scripts and creates their Python venv once (offline, from the machine's local wheel indexes). */
export function ensurePeers(): string {
  mkdirSync(peersDir, { recursive: true });
  for (const f of readdirSync(peersSource)) {
    if (/\.(py|sh|txt)$/.test(f)) cpSync(path.join(peersSource, f), path.join(peersDir, f));
  }
  const python = path.join(peersDir, '.venv', 'bin', 'python');
  const marker = path.join(peersDir, '.venv', '.cascade-ok');
  if (!existsSync(marker)) {
    process.stderr.write('peers: setting up the Python venv for the peer baselines (first run only)\n');
    execFileSync('bash', [path.join(peersDir, 'setup.sh')], { stdio: ['ignore', 2, 2] });
    execFileSync('touch', [marker]);
  }
  return python;
}

/** Runs a peer script and returns the JSON object on its last stdout line. */
export function runPeer(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const python = ensurePeers();
  const result = spawnSync(python, [path.join(peersDir, script), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(`peer ${script} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** Runs a standard-library peer helper (the ctr-tsv converters) with the system python. */
export function runPeerConverter(script: string, args: string[]): void {
  ensurePeers();
  execFileSync('python3', [path.join(peersDir, script), ...args], { stdio: ['ignore', 2, 2] });
}
