// Multi-channel merge: each channel contributes up to its quota (in the given priority order), duplicates are
// merged so that a candidate records every channel that produced it with that channel's score; when the quotas
// leave room (a channel returned too few), the remaining slots are filled round-robin from the channels'
// overflow. The result is columnar (typed arrays, one small hash table per call): the merge runs on every
// request, and per-candidate objects would make the garbage collector a visible part of the p99 latency.
import type { ChannelResult } from './channel-result.js';

/** One candidate as a plain object (for callers that prefer objects; see CandidateSet.toArray). */
export interface Candidate {
  itemId: number;
  /** Channels that produced the item, in priority order. */
  channels: string[];
  /** Score per channel, aligned with `channels`. */
  channelScores: number[];
}

export class CandidateSet {
  constructor(
    /** Channel names in priority order; bit c of a mask and column c of the scores refer to channelNames[c]. */
    readonly channelNames: readonly string[],
    readonly size: number,
    readonly itemIds: Int32Array,
    /** Bit c set when channel c produced the item. */
    readonly channelMask: Uint32Array,
    /** size × channels, row-major; NaN where the channel did not produce the item. */
    readonly channelScores: Float32Array,
  ) {}

  channelsOf(i: number): string[] {
    const out: string[] = [];
    const mask = this.channelMask[i];
    for (let c = 0; c < this.channelNames.length; c++) if (mask & (1 << c)) out.push(this.channelNames[c]);
    return out;
  }

  /** The channel's score for candidate i, or NaN when that channel did not produce it. */
  scoreOf(i: number, channel: string): number {
    const c = this.channelNames.indexOf(channel);
    return c < 0 ? NaN : this.channelScores[i * this.channelNames.length + c];
  }

  toArray(): Candidate[] {
    const out: Candidate[] = [];
    const nc = this.channelNames.length;
    for (let i = 0; i < this.size; i++) {
      const channels: string[] = [];
      const channelScores: number[] = [];
      for (let c = 0; c < nc; c++) {
        if (this.channelMask[i] & (1 << c)) {
          channels.push(this.channelNames[c]);
          channelScores.push(this.channelScores[i * nc + c]);
        }
      }
      out.push({ itemId: this.itemIds[i], channels, channelScores });
    }
    return out;
  }
}

export function mergeCandidates(
  results: readonly ChannelResult[],
  quotas: Readonly<Record<string, number>>,
  total: number,
): CandidateSet {
  if (!Number.isInteger(total) || total < 1) throw new Error(`total: must be a positive integer, got ${total}`);
  for (const name in quotas) {
    const q = quotas[name];
    if (!Number.isInteger(q) || q < 0) throw new Error(`quotas.${name}: must be a non-negative integer, got ${q}`);
  }
  const nc = results.length;
  if (nc > 32) throw new Error(`results: at most 32 channels, got ${nc}`);
  const channelNames = results.map((r) => r.channel);
  let available = 0;
  for (const r of results) available += r.ids.length;
  const capacity = Math.min(total, available);
  const itemIds = new Int32Array(capacity);
  const channelMask = new Uint32Array(capacity);
  const channelScores = new Float32Array(capacity * nc).fill(NaN);
  // open addressing: slot → candidate index + 1 (0 = empty); at most half full
  let tableSize = 16;
  while (tableSize < available * 2) tableSize <<= 1;
  const table = new Int32Array(tableSize);
  const tableMask = tableSize - 1;
  let size = 0;
  const find = (id: number): number => {
    let h = Math.imul(id, 0x9e3779b1) & tableMask;
    for (;;) {
      const v = table[h];
      if (v === 0 || itemIds[v - 1] === id) return h;
      h = (h + 1) & tableMask;
    }
  };
  /** Records (channel c, position k); returns true when it added a new candidate. */
  const note = (c: number, r: ChannelResult, k: number, mayAdd: boolean): boolean => {
    const id = r.ids[k];
    const slot = find(id);
    const v = table[slot];
    if (v !== 0) {
      const i = v - 1;
      if (!(channelMask[i] & (1 << c))) {
        channelMask[i] |= 1 << c;
        channelScores[i * nc + c] = r.scores[k];
      }
      return false;
    }
    if (!mayAdd || size >= capacity) return false;
    itemIds[size] = id;
    channelMask[size] = 1 << c;
    channelScores[size * nc + c] = r.scores[k];
    size++;
    table[slot] = size;
    return true;
  };
  const cursors = new Int32Array(nc);
  // pass 1: quotas
  for (let c = 0; c < nc && size < total; c++) {
    const r = results[c];
    const quota = quotas[r.channel] ?? 0;
    let taken = 0;
    let k = 0;
    while (k < r.ids.length && taken < quota && size < total) {
      if (note(c, r, k, true)) taken++;
      k++;
    }
    cursors[c] = k;
  }
  // pass 2: fill round-robin from what the channels have left
  let progress = true;
  while (size < total && progress) {
    progress = false;
    for (let c = 0; c < nc && size < total; c++) {
      const r = results[c];
      while (cursors[c] < r.ids.length) {
        if (note(c, r, cursors[c]++, true)) {
          progress = true;
          break;
        }
      }
    }
  }
  // record duplicates further down the lists too, so that channel attribution is complete
  for (let c = 0; c < nc; c++) {
    const r = results[c];
    for (let k = cursors[c]; k < r.ids.length; k++) note(c, r, k, false);
  }
  return new CandidateSet(channelNames, size, itemIds, channelMask, channelScores);
}
