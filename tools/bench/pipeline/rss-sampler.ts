// Peak resident memory of this process and its child processes while a benchmark runs. The sampling runs in a
// worker thread, so it keeps sampling while the main thread is busy in a long synchronous training loop; the
// kernel's own high-water mark (resourceUsage().maxRSS) bounds this process from below.
import { Worker } from 'node:worker_threads';

const SAMPLER_SOURCE = `
const { readFileSync, readdirSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { pid, intervalMs, peaks } = workerData;
const out = new Int32Array(peaks);
function rssKb(p) {
  try {
    const m = /VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/' + p + '/status', 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
function descendants() {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\\d+$/.test(name)) continue;
    try {
      const stat = readFileSync('/proc/' + name + '/stat', 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const found = [];
  for (const [p] of parent) {
    let q = parent.get(p);
    for (let hops = 0; q && hops < 16; hops++, q = parent.get(q)) if (q === pid) { found.push(p); break; }
  }
  return found;
}
let tick = 0;
let children = [];
function sample() {
  if (Atomics.load(out, 3) === 1) return;
  if (tick++ % 4 === 0) children = descendants();
  const self = rssKb(pid);
  let kids = 0;
  for (const c of children) kids += rssKb(c);
  if (self > out[0]) out[0] = self;
  if (kids > out[1]) out[1] = kids;
  if (self + kids > out[2]) out[2] = self + kids;
  setTimeout(sample, intervalMs);
}
sample();
`;

export interface RssPeaks {
  /** Largest sampled RSS of this process, or the kernel's high-water mark when larger (MiB). */
  selfMb: number;
  /** Largest sampled total RSS of its child processes (MiB). */
  childrenMb: number;
  /** Largest sampled sum of both, at least selfMb (MiB). */
  totalMb: number;
}

export class RssSampler {
  private readonly peaks = new SharedArrayBuffer(16);
  private readonly worker: Worker;

  constructor(intervalMs = 200) {
    this.worker = new Worker(SAMPLER_SOURCE, { eval: true, workerData: { pid: process.pid, intervalMs, peaks: this.peaks } });
    this.worker.unref();
  }

  /** The peaks so far (the sampler keeps running). */
  read(): RssPeaks {
    const p = new Int32Array(this.peaks);
    const kernelSelf = process.resourceUsage().maxRSS;
    const self = Math.max(p[0], kernelSelf);
    return { selfMb: self / 1024, childrenMb: p[1] / 1024, totalMb: Math.max(p[2], self) / 1024 };
  }

  async stop(): Promise<RssPeaks> {
    Atomics.store(new Int32Array(this.peaks), 3, 1);
    const peaks = this.read();
    await this.worker.terminate();
    return peaks;
  }
}
