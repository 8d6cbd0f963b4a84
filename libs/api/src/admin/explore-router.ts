// admin.explore: the slot-filling policy of each placement (default or configured), changing it (persisted
// and applied to the live Recommender at once), and a placement's online arm statistics.
import { z } from 'zod';
import type { SlotPolicyConfig } from '@cascade/explore';
import { router } from '../trpc.js';
import { asBadRequest, limitOffset, pageFields } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';
import { armStatsPage, configuredPolicies, placementName, savePlacementPolicy, servedPlacements, slotPolicySchema } from './placement-policies.js';

/** The policy serving uses for placements nobody configured (the Recommender's own default). */
const FALLBACK_DEFAULT: SlotPolicyConfig = { kind: 'thompson' };

export const exploreRouter = router({
  placements: adminProcedure('viewer').query(async ({ ctx }) => {
    const configured = await configuredPolicies(ctx.db.sql);
    const live = ctx.services?.servedRecommender?.placementPolicies;
    const names = new Set<string>([...configured.keys(), ...(await servedPlacements(ctx.db.sql)), ...Object.keys(live?.policies ?? {})]);
    return [...names].sort().map((placement) => {
      const c = configured.get(placement);
      if (c) return { placement, policy: c.policy, source: 'configured' as const, updatedAt: c.updatedAt };
      return { placement, policy: live?.policies[placement] ?? live?.defaultPolicy ?? FALLBACK_DEFAULT, source: 'default' as const, updatedAt: null };
    });
  }),
  setPolicy: adminProcedure('admin')
    .input(z.object({ placement: placementName, policy: slotPolicySchema.nullable() }))
    .mutation(async ({ ctx, input }) => {
      const policy = input.policy as SlotPolicyConfig | null;
      await asBadRequest(() => savePlacementPolicy(ctx.db.sql, input.placement, policy, ctx.admin.user.email));
      const recommender = ctx.services?.servedRecommender;
      // a reload reads placement_policies again, so the change also survives the next Recommender
      recommender?.setPlacementPolicy(input.placement, policy);
      const effective = recommender?.policyOf(input.placement) ?? policy ?? FALLBACK_DEFAULT;
      return { placement: input.placement, policy: effective, source: policy ? ('configured' as const) : ('default' as const), applied: recommender !== undefined };
    }),
  armStats: adminProcedure('viewer')
    .input(z.object({ placement: placementName, ...pageFields }))
    .query(({ ctx, input }) => {
      const { limit, offset } = limitOffset(input);
      return armStatsPage(ctx.db.sql, input.placement, limit, offset);
    }),
});
