// A/B experiments in serving: a running experiment on a placement (or on every placement, when it names none)
// splits that placement's users between its variants by a stable hash; a variant serves with its own
// exploration policy, and its impressions and clicks are counted under it through the impression log. The
// running experiments are read at most every few seconds, off the request path after the first read.
import { assignVariant, type ExperimentRecord, type ExperimentStore, type SlotPolicyConfig } from '@cascade/explore';

export interface ExperimentAssignment {
  key: string;
  variant: string;
  /** The variant's policy (config.policy); null: the placement's own policy. */
  policy: SlotPolicyConfig | null;
}

export class RunningExperiments {
  private experiments: ExperimentRecord[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: ExperimentStore,
    private readonly parsePolicy: (value: unknown) => SlotPolicyConfig | null,
    private readonly refreshMs = 3000,
  ) {}

  /** Re-reads the running experiments now. */
  async refresh(): Promise<void> {
    this.loading ??= this.store
      .list('running')
      .then((list) => {
        this.experiments = list;
        this.loadedAt = Date.now();
      })
      .finally(() => (this.loading = undefined));
    await this.loading;
  }

  /** The variant `userId` sees on `placement`, or null when no experiment runs there. */
  async assign(placement: string, userId: string): Promise<ExperimentAssignment | null> {
    if (this.loadedAt === -Infinity) await this.refresh();
    else if (Date.now() - this.loadedAt > this.refreshMs) void this.refresh().catch(() => undefined);
    // The placement's own experiment first; one without a placement covers every placement.
    const experiment = this.experiments.find((e) => e.placement === placement) ?? this.experiments.find((e) => e.placement === null);
    if (!experiment) return null;
    const variant = assignVariant(userId, experiment.key, experiment.variants);
    return { key: experiment.key, variant: variant.name, policy: this.parsePolicy(variant.config?.policy) };
  }
}
