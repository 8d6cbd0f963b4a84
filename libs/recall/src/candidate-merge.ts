// Multi-channel merge: each channel contributes up to its quota (in the given priority order), duplicates are
// merged so that a candidate lists every channel that produced it with that channel's score; when the quotas
// leave room (a channel returned too few), the remaining slots are filled from the channels' overflow.
import type { ChannelResult } from './channel-result.js';

export interface Candidate {
  itemId: number;
  /** Channels that produced the item, in priority order. */
  channels: string[];
  /** Score per channel, aligned with `channels`. */
  channelScores: number[];
}

export function mergeCandidates(
  results: readonly ChannelResult[],
  quotas: Readonly<Record<string, number>>,
  total: number,
): Candidate[] {
  if (!Number.isInteger(total) || total < 1) throw new Error(`total: must be a positive integer, got ${total}`);
  for (const [name, q] of Object.entries(quotas)) {
    if (!Number.isInteger(q) || q < 0) throw new Error(`quotas.${name}: must be a non-negative integer, got ${q}`);
  }
  const byItem = new Map<number, Candidate>();
  const out: Candidate[] = [];
  const cursors = new Int32Array(results.length);
  const note = (r: ChannelResult, k: number): boolean => {
    const id = r.ids[k];
    const existing = byItem.get(id);
    if (existing) {
      if (!existing.channels.includes(r.channel)) {
        existing.channels.push(r.channel);
        existing.channelScores.push(r.scores[k]);
      }
      return false;
    }
    const c: Candidate = { itemId: id, channels: [r.channel], channelScores: [r.scores[k]] };
    byItem.set(id, c);
    out.push(c);
    return true;
  };
  // pass 1: quotas
  for (let c = 0; c < results.length && out.length < total; c++) {
    const r = results[c];
    const quota = quotas[r.channel] ?? 0;
    let taken = 0;
    let k = 0;
    while (k < r.ids.length && taken < quota && out.length < total) {
      if (note(r, k)) taken++;
      k++;
    }
    cursors[c] = k;
  }
  // pass 2: fill round-robin from what the channels have left
  let progress = true;
  while (out.length < total && progress) {
    progress = false;
    for (let c = 0; c < results.length && out.length < total; c++) {
      const r = results[c];
      while (cursors[c] < r.ids.length) {
        const added = note(r, cursors[c]++);
        if (added) {
          progress = true;
          break;
        }
      }
    }
  }
  // record duplicates further down the lists too, so that channel attribution is complete
  for (let c = 0; c < results.length; c++) {
    const r = results[c];
    for (let k = cursors[c]; k < r.ids.length; k++) {
      const existing = byItem.get(r.ids[k]);
      if (existing && !existing.channels.includes(r.channel)) {
        existing.channels.push(r.channel);
        existing.channelScores.push(r.scores[k]);
      }
    }
  }
  return out;
}
