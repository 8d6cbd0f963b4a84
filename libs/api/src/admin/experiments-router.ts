// admin.experiments: A/B experiments of slot-filling policies through ExperimentStore (@cascade/explore):
// list, one experiment with per-variant click rates, intervals and the decision rule's verdict now, create,
// start, stop.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { decideExperiment, ExperimentStore, wilsonInterval, type DecisionRule } from '@cascade/explore';
import { router } from '../trpc.js';
import { asBadRequest } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';
import { placementName, slotPolicySchema } from './placement-policies.js';

/** Sequential (always-valid) by default: the console may look at the results at any time. */
export const DEFAULT_DECISION_RULE: DecisionRule = { kind: 'sequential', baselineRate: 0.05, minimumDetectableLift: 0.2 };

const key = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "must be 1–100 letters, digits, '.', '_', ':' or '-'");

const decisionRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fixed-horizon'),
    baselineRate: z.number().gt(0).lt(1),
    minimumDetectableLift: z.number().positive(),
    alpha: z.number().gt(0).lt(1).optional(),
    power: z.number().gt(0).lt(1).optional(),
  }),
  z.object({
    kind: z.literal('sequential'),
    baselineRate: z.number().gt(0).lt(1),
    minimumDetectableLift: z.number().positive(),
    alpha: z.number().gt(0).lt(1).optional(),
    maxImpressionsPerVariant: z.number().int().positive().optional(),
  }),
]);

const store = (sql: ConstructorParameters<typeof ExperimentStore>[0]) => new ExperimentStore(sql);

export const experimentsRouter = router({
  list: adminProcedure('viewer').query(({ ctx }) => store(ctx.db.sql).list()),
  get: adminProcedure('viewer')
    .input(z.object({ key }))
    .query(async ({ ctx, input }) => {
      const experiments = store(ctx.db.sql);
      const experiment = await experiments.find(input.key);
      if (!experiment) throw new TRPCError({ code: 'NOT_FOUND', message: `key: no experiment "${input.key}"` });
      const counts = await experiments.counts(input.key);
      const variants = counts.map((c) => {
        const clicks = Math.min(c.clicks, c.impressions);
        const interval = wilsonInterval(clicks, c.impressions);
        return { variant: c.name, impressions: c.impressions, clicks: c.clicks, ctr: interval.rate, lower: interval.lower, upper: interval.upper };
      });
      // the verdict now, from the running minimum of the stored always-valid p-values (nothing is written)
      const previous: Record<string, number> = {};
      for (const c of experiment.decision?.comparisons ?? []) if (c.alwaysValidPValue !== undefined) previous[c.variant] = c.alwaysValidPValue;
      const decision = decideExperiment(
        experiment.decisionRule,
        counts.map((c) => ({ ...c, clicks: Math.min(c.clicks, c.impressions) })),
        previous,
      );
      return { experiment, variants, decision };
    }),
  create: adminProcedure('admin')
    .input(
      z.object({
        key,
        name: z.string().trim().max(500).default(''),
        placement: placementName,
        variants: z
          .array(z.object({ name: z.string().trim().min(1, 'must not be empty').max(100), weight: z.number().positive().finite(), policy: slotPolicySchema }))
          .min(2, 'must list at least two variants (the first is the control)')
          .max(10),
        decisionRule: decisionRuleSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      asBadRequest(() =>
        store(ctx.db.sql).create({
          key: input.key,
          description: input.name,
          placement: input.placement,
          variants: input.variants.map((v) => ({ name: v.name, weight: v.weight, config: { policy: v.policy } })),
          decisionRule: (input.decisionRule ?? DEFAULT_DECISION_RULE) as DecisionRule,
        }),
      ),
    ),
  start: adminProcedure('admin')
    .input(z.object({ key }))
    .mutation(({ ctx, input }) => asBadRequest(() => store(ctx.db.sql).start(input.key))),
  stop: adminProcedure('admin')
    .input(z.object({ key, winner: z.string().trim().min(1).max(100).optional() }))
    .mutation(({ ctx, input }) => asBadRequest(() => store(ctx.db.sql).stop(input.key, input.winner ?? null))),
});
