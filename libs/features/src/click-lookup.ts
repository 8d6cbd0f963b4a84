// The clicks an impression can be labelled with, held as a typed open-addressing hash set of
// (user, item, request hash) instead of a self-join over the events table: millions of clicks cost 12 bytes
// each. Request-less clicks (rare: events logged without a request id) keep their times per (user, item).

const EMPTY = -1;

function mix(user: number, item: number, request: number): number {
  // Murmur3-style finaliser over the three ids.
  let h = Math.imul(user ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ item ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ request ^ (h >>> 16), 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

export class ClickLookup {
  /** Slot s holds (user, item, request hash) at 3s..3s+2; user EMPTY marks a free slot. */
  private keys: Int32Array;
  private mask: number;
  private used = 0;
  /** `${user}:${item}` → sorted click times (epoch ms) of clicks without a request id. */
  private readonly requestless = new Map<string, number[]>();

  constructor(expected = 1 << 16) {
    if (!Number.isInteger(expected) || expected < 0) throw new Error(`expected: must be a non-negative integer, got ${expected}`);
    let capacity = 1 << 10;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Int32Array(capacity * 3).fill(EMPTY);
    this.mask = capacity - 1;
  }

  /** Distinct (user, item, request) clicks held, plus request-less clicks. */
  get size(): number {
    let n = this.used;
    for (const times of this.requestless.values()) n += times.length;
    return n;
  }

  /** A click by `user` on `item` in the request whose hash is `requestHash` (null: no request id) at `time`. */
  add(user: number, item: number, requestHash: number | null, time: number): void {
    if (requestHash === null) {
      const key = `${user}:${item}`;
      let times = this.requestless.get(key);
      if (!times) this.requestless.set(key, (times = []));
      let i = times.length;
      while (i > 0 && times[i - 1] > time) i--;
      times.splice(i, 0, time);
      return;
    }
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    if (this.insert(user, item, requestHash | 0)) this.used++;
  }

  /**
   * Whether the impression of `item` to `user` was clicked: a click in the same request, or, for an impression
   * without a request id, a request-less click within the following hour.
   */
  clicked(user: number, item: number, requestHash: number | null, time: number): boolean {
    if (requestHash === null) {
      const times = this.requestless.get(`${user}:${item}`);
      if (!times) return false;
      for (const t of times) if (t >= time && t < time + 3_600_000) return true;
      return false;
    }
    const keys = this.keys;
    const request = requestHash | 0;
    for (let s = mix(user, item, request) & this.mask; ; s = (s + 1) & this.mask) {
      const u = keys[s * 3];
      if (u === EMPTY) return false;
      if (u === user && keys[s * 3 + 1] === item && keys[s * 3 + 2] === request) return true;
    }
  }

  private insert(user: number, item: number, request: number): boolean {
    const keys = this.keys;
    for (let s = mix(user, item, request) & this.mask; ; s = (s + 1) & this.mask) {
      const u = keys[s * 3];
      if (u === EMPTY) {
        keys[s * 3] = user;
        keys[s * 3 + 1] = item;
        keys[s * 3 + 2] = request;
        return true;
      }
      if (u === user && keys[s * 3 + 1] === item && keys[s * 3 + 2] === request) return false;
    }
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.mask * 2 + 1;
    for (let s = 0; s < old.length; s += 3) if (old[s] !== EMPTY) this.insert(old[s], old[s + 1], old[s + 2]);
  }
}
