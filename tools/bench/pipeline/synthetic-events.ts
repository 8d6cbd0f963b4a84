// The pipeline benchmark's event stream: SyntheticWorld's planted structure (user tastes, item vectors and
// quality, Zipf exposure, favourite categories) at production scale, generated as typed columns in batches so
// ten million events never exist as objects. Requests come in time order over `days`; each shows a slate that
// mixes popular items with items of the user's favourite category; each shown item is clicked with its true
// probability, and a click sometimes leads to a like, a purchase and a rating.
import { SeededRandom } from '@cascade/core';
import { EVENT_TYPES, SYNTHETIC_CATEGORIES, SyntheticWorld } from '@cascade/db';

export interface BenchWorldConfig {
  users: number;
  items: number;
  events: number;
  days: number;
  slateSize: number;
  seed: number;
  endTime: number;
}

/** One batch of events; `users` / `items` are 0-based world indices, `requests` the request number. */
export interface EventColumns {
  length: number;
  types: Int32Array;
  users: Int32Array;
  items: Int32Array;
  requests: Int32Array;
  /** 0 = home, 1 = item-page. */
  placements: Int32Array;
  times: Float64Array;
  values: Float64Array;
}

/** Brings the mean CTR to about 4%. */
const CTR_LOGIT_SHIFT = 1.3;

const TYPE = {
  impression: EVENT_TYPES.indexOf('impression'),
  click: EVENT_TYPES.indexOf('click'),
  like: EVENT_TYPES.indexOf('like'),
  rating: EVENT_TYPES.indexOf('rating'),
  purchase: EVENT_TYPES.indexOf('purchase'),
};

function cumulative(weights: Float64Array, members?: Int32Array): Float64Array {
  const n = members ? members.length : weights.length;
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += weights[members ? members[k] : k];
    cdf[k] = acc;
  }
  return cdf;
}

function sample(cdf: Float64Array, rng: SeededRandom): number {
  const x = rng.next() * cdf[cdf.length - 1];
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class BenchEventGenerator {
  readonly world: SyntheticWorld;
  readonly config: BenchWorldConfig;
  private readonly rng: SeededRandom;
  private readonly popularity: Float64Array;
  private readonly categoryItems: Int32Array[];
  private readonly categoryCdf: Float64Array[];
  private readonly userCdf: Float64Array;
  private readonly slates: number;
  private slate = 0;
  private emitted = 0;
  /** Events of the current slate not yet handed out (a batch may end mid-slate). */
  private pending: EventColumns;
  private pendingAt = 0;

  constructor(config: BenchWorldConfig) {
    for (const key of ['users', 'items', 'events', 'days', 'slateSize'] as const) {
      if (!Number.isInteger(config[key]) || config[key] <= 0) throw new Error(`${key}: must be a positive integer, got ${config[key]}`);
    }
    this.config = config;
    this.world = new SyntheticWorld({ users: config.users, items: config.items, factors: 8, days: config.days, endTime: config.endTime, seed: config.seed, keyPrefix: 'bench' });
    this.rng = new SeededRandom(config.seed + 17);
    this.popularity = this.world.itemPopularity;
    this.categoryItems = SYNTHETIC_CATEGORIES.map((_, c) => Int32Array.from(this.world.itemCategory.reduce<number[]>((acc, ic, i) => (ic === c ? (acc.push(i), acc) : acc), [])));
    this.categoryCdf = this.categoryItems.map((members) => cumulative(this.popularity, members));
    // Users differ in activity (log-normal): a few heavy users, a long tail of occasional ones.
    const activity = new Float64Array(config.users);
    const urng = new SeededRandom(config.seed + 19);
    for (let u = 0; u < config.users; u++) activity[u] = Math.exp(0.8 * urng.normal());
    this.userCdf = cumulative(activity);
    // Events per slate ≈ slateSize × (1 + CTR × (1 + follow-ups)) ≈ 1.05 slateSize; the generator stops at exactly `events`.
    this.slates = Math.max(1, Math.round(config.events / (config.slateSize * 1.05)));
    this.pending = BenchEventGenerator.columns(config.slateSize * 4);
  }

  private static columns(n: number): EventColumns {
    return {
      length: 0,
      types: new Int32Array(n),
      users: new Int32Array(n),
      items: new Int32Array(n),
      requests: new Int32Array(n),
      placements: new Int32Array(n),
      times: new Float64Array(n),
      values: new Float64Array(n),
    };
  }

  get done(): boolean {
    return this.emitted >= this.config.events;
  }

  /** Events generated so far. */
  get count(): number {
    return this.emitted;
  }

  private push(cols: EventColumns, type: number, user: number, item: number, request: number, placement: number, time: number, value: number): void {
    const k = cols.length++;
    cols.types[k] = type;
    cols.users[k] = user;
    cols.items[k] = item;
    cols.requests[k] = request;
    cols.placements[k] = placement;
    cols.times[k] = time;
    cols.values[k] = value;
  }

  /** Fills `pending` with the next slate's events (impressions first, then the clicks and what follows them). */
  private nextSlate(): void {
    const { slateSize, days, endTime } = this.config;
    const rng = this.rng;
    const cols = this.pending;
    cols.length = 0;
    this.pendingAt = 0;
    const span = days * 86_400_000;
    // Slates beyond the planned count (CTR came out low) keep going at the end of the period.
    const s = this.slate++;
    const time = endTime - span + Math.floor((Math.min(s + rng.next(), this.slates) / this.slates) * span) - 1;
    const user = sample(this.userCdf, rng);
    const placement = rng.next() < 0.7 ? 0 : 1;
    const favourite = this.world.userCategory[user];
    const shown: number[] = [];
    for (let k = 0; k < slateSize; k++) {
      let item = 0;
      for (let tries = 0; tries < 20; tries++) {
        if (k % 2 === 1) {
          const members = this.categoryItems[favourite];
          item = members.length > 0 ? members[sample(this.categoryCdf[favourite], rng)] : sample(this.categoryCdf[0], rng);
        } else {
          item = this.sampleAny(rng);
        }
        if (!shown.includes(item)) break;
      }
      shown.push(item);
      this.push(cols, TYPE.impression, user, item, s, placement, time + k, 1);
    }
    for (let k = 0; k < slateSize; k++) {
      const item = shown[k];
      if (rng.next() >= this.clickProbability(user, item)) continue;
      const clickAt = time + k + 1000 + rng.int(60_000);
      this.push(cols, TYPE.click, user, item, s, placement, clickAt, 1);
      if (rng.next() < 0.15) this.push(cols, TYPE.like, user, item, s, placement, clickAt + 5000 + rng.int(60_000), 1);
      if (rng.next() < 0.06) {
        const boughtAt = clickAt + 60_000 + rng.int(600_000);
        this.push(cols, TYPE.purchase, user, item, s, placement, boughtAt, 1);
        if (rng.next() < 0.4) this.push(cols, TYPE.rating, user, item, s, placement, boughtAt + 3_600_000, 3 + rng.int(3));
      }
    }
  }

  /**
   * The world's true click probability moved down by a fixed logit offset: the demo world clicks ~13% of its
   * impressions, a production feed a few percent.
   */
  clickProbability(user: number, item: number): number {
    const p = this.world.clickProbability(user, item);
    return 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) - CTR_LOGIT_SHIFT)));
  }

  private sampleAny(rng: SeededRandom): number {
    // Popularity over the whole catalogue: pick a category by its share of exposure, then an item in it.
    let c = rng.int(this.categoryItems.length);
    while (this.categoryItems[c].length === 0) c = (c + 1) % this.categoryItems.length;
    return this.categoryItems[c][sample(this.categoryCdf[c], rng)];
  }

  /** The next batch of up to `size` events (fewer at the end), in request-time order. */
  nextBatch(size: number): EventColumns {
    const out = BenchEventGenerator.columns(size);
    while (out.length < size && this.emitted < this.config.events) {
      if (this.pendingAt >= this.pending.length) this.nextSlate();
      const p = this.pending;
      const k = this.pendingAt++;
      this.push(out, p.types[k], p.users[k], p.items[k], p.requests[k], p.placements[k], p.times[k], p.values[k]);
      this.emitted++;
    }
    return out;
  }
}
