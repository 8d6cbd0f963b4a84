// A seeded synthetic marketplace with a known ground truth: items with categories, attributes and latent
// vectors, users with latent tastes, and impressions/clicks drawn from the true click probability.
// It is the embedded default's demo data and the planted structure that tests and benchmarks recover.
import { SeededRandom } from '@cascade/core';
import type { ItemInput, UserInput } from '../catalog.js';
import type { ParsedEvent } from '../importers/import-writer.js';

export interface SyntheticConfig {
  users: number;
  items: number;
  /** Latent dimensions of the ground truth. */
  factors: number;
  /** Mean impressions per user over the whole period. */
  impressionsPerUser: number;
  /** Items shown per request (slate size). */
  slateSize: number;
  /** Days of history before `endTime`. */
  days: number;
  endTime: number;
  seed: number;
  /** Event id prefix for idempotency keys, so re-seeding is idempotent too. */
  keyPrefix: string;
}

export const DEFAULT_SYNTHETIC_CONFIG: SyntheticConfig = {
  users: 2000,
  items: 1000,
  factors: 8,
  impressionsPerUser: 60,
  slateSize: 10,
  days: 30,
  endTime: Date.UTC(2026, 0, 1),
  seed: 42,
  keyPrefix: 'demo',
};

export const SYNTHETIC_CATEGORIES = ['books', 'music', 'movies', 'games', 'electronics', 'home', 'garden', 'sports', 'fashion', 'beauty', 'toys', 'food'] as const;
const BRANDS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell'];
const COUNTRIES = ['us', 'gb', 'de', 'fr', 'in', 'br', 'jp'];
const DEVICES = ['mobile', 'desktop', 'tablet'];

export class SyntheticWorld {
  readonly config: SyntheticConfig;
  /** users × factors */
  readonly userTastes: Float32Array;
  /** items × factors */
  readonly itemVectors: Float32Array;
  /** Per-item quality (logit offset) and popularity weight for exposure. */
  readonly itemQuality: Float32Array;
  readonly itemPopularity: Float64Array;
  readonly itemCategory: Int32Array;
  readonly userCategory: Int32Array;
  private readonly popularityCdf: Float64Array;

  constructor(config: Partial<SyntheticConfig> = {}) {
    this.config = { ...DEFAULT_SYNTHETIC_CONFIG, ...config };
    const { users, items, factors, seed } = this.config;
    if (!Number.isInteger(users) || users <= 0) throw new Error('users must be a positive integer');
    if (!Number.isInteger(items) || items <= 1) throw new Error('items must be an integer > 1');
    const rng = new SeededRandom(seed);
    const nc = SYNTHETIC_CATEGORIES.length;
    // Category centres in latent space; items and user tastes scatter around them.
    const centres = new Float32Array(nc * factors);
    for (let i = 0; i < centres.length; i++) centres[i] = rng.normal();
    this.itemVectors = new Float32Array(items * factors);
    this.itemQuality = new Float32Array(items);
    this.itemPopularity = new Float64Array(items);
    this.itemCategory = new Int32Array(items);
    for (let i = 0; i < items; i++) {
      const c = rng.int(nc);
      this.itemCategory[i] = c;
      for (let f = 0; f < factors; f++) this.itemVectors[i * factors + f] = centres[c * factors + f] + 0.5 * rng.normal();
      this.itemQuality[i] = 0.5 * rng.normal();
      // Zipf-like exposure: a few items are shown far more often than the long tail.
      this.itemPopularity[i] = 1 / Math.pow(1 + rng.int(items), 0.8);
    }
    this.userTastes = new Float32Array(users * factors);
    this.userCategory = new Int32Array(users);
    for (let u = 0; u < users; u++) {
      const c = rng.int(nc);
      this.userCategory[u] = c;
      for (let f = 0; f < factors; f++) this.userTastes[u * factors + f] = (centres[c * factors + f] + 0.6 * rng.normal()) / Math.sqrt(factors);
    }
    this.popularityCdf = new Float64Array(items);
    let acc = 0;
    for (let i = 0; i < items; i++) {
      acc += this.itemPopularity[i];
      this.popularityCdf[i] = acc;
    }
  }

  /** The ground-truth click probability of user u on item i (both 0-based). */
  clickProbability(u: number, i: number): number {
    const k = this.config.factors;
    let dot = 0;
    for (let f = 0; f < k; f++) dot += this.userTastes[u * k + f] * this.itemVectors[i * k + f];
    return 1 / (1 + Math.exp(-(-4.2 + 0.9 * dot + this.itemQuality[i])));
  }

  userId(u: number): string {
    return `user-${u + 1}`;
  }

  itemId(i: number): string {
    return `item-${i + 1}`;
  }

  *usersInput(): Generator<UserInput> {
    const rng = new SeededRandom(this.config.seed + 1);
    for (let u = 0; u < this.config.users; u++) {
      yield {
        externalId: this.userId(u),
        attributes: {
          age: 18 + rng.int(50),
          country: COUNTRIES[rng.int(COUNTRIES.length)],
          device: DEVICES[rng.int(DEVICES.length)],
          favouriteCategory: SYNTHETIC_CATEGORIES[this.userCategory[u]],
        },
        createdAt: new Date(this.config.endTime - (this.config.days + 30) * 86_400_000 + rng.int(30 * 86_400_000)),
      };
    }
  }

  *itemsInput(): Generator<ItemInput> {
    const rng = new SeededRandom(this.config.seed + 2);
    const span = this.config.days * 86_400_000;
    for (let i = 0; i < this.config.items; i++) {
      const category = SYNTHETIC_CATEGORIES[this.itemCategory[i]];
      const brand = BRANDS[rng.int(BRANDS.length)];
      // The last 5% of the catalogue arrived in the final two days: the new-items channel has work to do.
      const isNew = i >= this.config.items * 0.95;
      const createdAt = isNew ? this.config.endTime - rng.int(2 * 86_400_000) : this.config.endTime - span - rng.int(365 * 86_400_000);
      yield {
        externalId: this.itemId(i),
        title: `${brand[0].toUpperCase()}${brand.slice(1)} ${category} #${i + 1}`,
        categories: [category],
        tags: [brand, rng.next() < 0.3 ? 'sale' : 'regular'],
        attributes: { brand, price: Math.round(Math.exp(2 + 1.5 * rng.next()) * 100) / 100, rating: Math.round((3 + 2 * rng.next()) * 10) / 10 },
        active: rng.next() > 0.01,
        createdAt: new Date(createdAt),
      };
    }
  }

  /** Samples an item by exposure popularity. */
  private sampleItem(rng: SeededRandom): number {
    const x = rng.next() * this.popularityCdf[this.popularityCdf.length - 1];
    let lo = 0;
    let hi = this.popularityCdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.popularityCdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Total impressions the event stream will hold (clicks come on top). */
  get impressionCount(): number {
    const slates = Math.round(this.config.impressionsPerUser / this.config.slateSize);
    return this.config.users * slates * this.config.slateSize;
  }

  /**
   * Impressions and clicks in time order per request: each request shows a slate mixing popular items and
   * items of the user's favourite category; each shown item is clicked with its true probability.
   */
  *events(): Generator<ParsedEvent> {
    const { users, slateSize, days, endTime, keyPrefix, seed } = this.config;
    const rng = new SeededRandom(seed + 3);
    const slatesPerUser = Math.round(this.config.impressionsPerUser / slateSize);
    const span = days * 86_400_000;
    const shown = new Int32Array(slateSize);
    let n = 0;
    for (let s = 0; s < slatesPerUser; s++) {
      for (let u = 0; u < users; u++) {
        const requestId = `${keyPrefix}-r${s}-${u}`;
        const time = endTime - span + Math.floor(((s + rng.next()) / slatesPerUser) * span);
        const placement = rng.next() < 0.7 ? 'home' : 'item-page';
        for (let k = 0; k < slateSize; k++) {
          let item: number;
          let tries = 0;
          do {
            item = this.sampleItem(rng);
            tries++;
          } while (tries < 20 && (containsFirst(shown, k, item) || (k % 2 === 1 && this.itemCategory[item] !== this.userCategory[u] && tries < 10)));
          shown[k] = item;
          const userId = this.userId(u);
          const itemId = this.itemId(item);
          yield { type: 'impression', value: 1, userId, itemId, requestId, placement, occurredAt: time + k, idempotencyKey: `${keyPrefix}:${seed}:${n++}` };
          if (rng.next() < this.clickProbability(u, item)) {
            yield { type: 'click', value: 1, userId, itemId, requestId, placement, occurredAt: time + k + 1000 + rng.int(60_000), idempotencyKey: `${keyPrefix}:${seed}:${n++}` };
          }
        }
      }
    }
  }
}

function containsFirst(values: Int32Array, count: number, value: number): boolean {
  for (let i = 0; i < count; i++) if (values[i] === value) return true;
  return false;
}
