// `npm run bench -- slot-filling [--arms 500] [--k 20] [--calls 400]`: cost of the exploration stage of one
// recommend request, i.e. one `fillRequestSlots` call over the ranked candidates with pCTR priors (strength 20),
// per policy. Thompson is timed on its three engines: `reference` (the former JavaScript path: every arm drawn
// in every ranking), `js` (the JavaScript port of the kernel) and `native` (the C kernel, when it can be
// built here). Two candidate sets: cold (no online counts) and warm (a mix of served and new items).
// No peer implements bandit slot filling, so there is no side-by-side peer figure here.
import { SeededRandom } from '@cascade/core';
import { exploreEngineInfo, fillRequestSlots, type ArmCounts, type RankedCandidate, type SlotPolicyConfig } from '@cascade/explore';
import { positiveIntOption, median } from './bench-kit.js';

interface Workload {
  candidates: RankedCandidate[];
  counts: ArmCounts[];
}

/** `arms` candidates in ranker order (pCTR log-normal around 4 %); warm: 70 % of them have been served. */
function workload(arms: number, warm: boolean, seed: number): Workload {
  const random = new SeededRandom(seed);
  const pctr = Array.from({ length: arms }, () => Math.min(0.9, Math.exp(Math.log(0.04) + 0.8 * random.normal())));
  pctr.sort((a, b) => b - a);
  const candidates = pctr.map((p, i) => ({ itemId: 1000 + i, score: p, pctr: p }));
  const counts = candidates.map((c) => {
    if (!warm || random.next() < 0.3) return { itemId: c.itemId, impressions: 0, clicks: 0 };
    const impressions = Math.floor(Math.exp(random.next() * 8));
    const rate = Math.min(1, c.pctr * (0.5 + random.next()));
    return { itemId: c.itemId, impressions, clicks: Math.round(impressions * rate) };
  });
  return { candidates, counts };
}

/** Median milliseconds per call over `calls` calls (a different request seed each), after a warm-up. */
function msPerCall(load: Workload, k: number, policy: SlotPolicyConfig, calls: number): number {
  for (let i = 0; i < Math.min(50, calls); i++) fillRequestSlots(load.candidates, load.counts, { k, policy, seed: 10_000 + i });
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    fillRequestSlots(load.candidates, load.counts, { k, policy, seed: i });
    times.push(performance.now() - started);
  }
  return median(times);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const arms = positiveIntOption(args, '--arms', 500);
  const k = positiveIntOption(args, '--k', 20);
  const calls = positiveIntOption(args, '--calls', 400);
  const engine = exploreEngineInfo();
  process.stderr.write(`slot-filling: ${arms} candidates, k ${k}, ${calls} calls per figure; native engine: ${engine.native ? 'yes' : `no (${engine.failure})`}\n`);
  const result: Record<string, unknown> = { arms, k, calls, native_available: engine.native };
  for (const warm of [false, true]) {
    const load = workload(arms, warm, warm ? 2 : 1);
    const tag = warm ? 'warm' : 'cold';
    const figures: Record<string, SlotPolicyConfig> = {
      thompson_reference: { kind: 'thompson', engine: 'reference' },
      thompson_js: { kind: 'thompson', engine: 'js' },
      ...(engine.native ? { thompson_native: { kind: 'thompson', engine: 'native' } as SlotPolicyConfig } : {}),
      egreedy: { kind: 'egreedy', epsilon: 0.05 },
      ucb1: { kind: 'ucb1' },
    };
    for (const [name, policy] of Object.entries(figures)) {
      const ms = msPerCall(load, k, policy, name === 'thompson_reference' ? Math.min(calls, 200) : calls);
      result[`ms_${name}_${tag}`] = round3(ms);
      process.stderr.write(`slot-filling: ${tag} ${name.padEnd(18)} ${ms.toFixed(3)} ms per call\n`);
    }
    const fastest = engine.native ? `ms_thompson_native_${tag}` : `ms_thompson_js_${tag}`;
    result[`speedup_${tag}`] = Math.round(((result[`ms_thompson_reference_${tag}`] as number) / (result[fastest] as number)) * 10) / 10;
  }
  const headline = engine.native ? Math.max(result.ms_thompson_native_cold as number, result.ms_thompson_native_warm as number) : Math.max(result.ms_thompson_js_cold as number, result.ms_thompson_js_warm as number);
  result.target_thompson_below_0_5ms = headline <= 0.5;
  return result;
}
