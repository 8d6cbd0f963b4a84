// Recommenders over other model versions than the served ones, for the inspector's side-by-side comparison:
// loaded on first use (the whole serving state, so a few seconds) and kept, at most `max` of them; the
// oldest is disposed of when another is needed.
import type { CascadeDatabase } from '@cascade/db';
import type { ArmStatsStore, ImpressionLog } from '@cascade/explore';
import { Recommender } from '@cascade/pipeline';

export interface ModelArtefacts {
  recallModelDir: string | null;
  rankerDir: string | null;
}

export class InspectorRecommenders {
  private readonly loaded = new Map<string, Promise<Recommender>>();

  constructor(
    private readonly db: CascadeDatabase,
    private readonly shared: { armStats: ArmStatsStore; impressionLog: ImpressionLog },
    private readonly max = 2,
  ) {}

  get(artefacts: ModelArtefacts): Promise<Recommender> {
    const key = JSON.stringify([artefacts.recallModelDir, artefacts.rankerDir]);
    const hit = this.loaded.get(key);
    if (hit) {
      // most recently used last
      this.loaded.delete(key);
      this.loaded.set(key, hit);
      return hit;
    }
    while (this.loaded.size >= this.max) {
      const [oldest, recommender] = this.loaded.entries().next().value as [string, Promise<Recommender>];
      this.loaded.delete(oldest);
      void recommender.then((r) => r.dispose()).catch(() => undefined);
    }
    const loading = Recommender.load(this.db, { recallModelDir: artefacts.recallModelDir, rankerDir: artefacts.rankerDir, ...this.shared });
    // a failed load is not kept: the next request tries again
    loading.catch(() => this.loaded.delete(key));
    this.loaded.set(key, loading);
    return loading;
  }

  dispose(): void {
    for (const r of this.loaded.values()) void r.then((x) => x.dispose()).catch(() => undefined);
    this.loaded.clear();
  }
}
