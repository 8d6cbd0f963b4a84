// Input validation of the recommender (zod): error messages name the offending field.
import { z } from 'zod';

export interface StageBudgets {
  recallMs: number;
  rankMs: number;
  exploreMs: number;
}

const policySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('thompson'), propensityDraws: z.number().int().positive().optional() }),
  z.object({ kind: z.literal('ucb1'), explorationConstant: z.number().nonnegative().optional() }),
  z.object({ kind: z.literal('egreedy'), epsilon: z.number().min(0).max(1), decayConstant: z.number().positive().optional() }),
]);

const quotasSchema = z
  .object({
    embedding: z.number().int().nonnegative(),
    itemToItem: z.number().int().nonnegative(),
    popular: z.number().int().nonnegative(),
    new: z.number().int().nonnegative(),
  })
  .partial();

export const recommenderLoadSchema = z.object({
  modelsDir: z.string().min(1).optional(),
  recallModelDir: z.string().min(1).nullable().optional(),
  indexFile: z.string().min(1).nullable().optional(),
  rankerDir: z.string().min(1).nullable().optional(),
  placementPolicies: z.record(z.string(), policySchema).optional(),
  defaultPolicy: policySchema.optional(),
  candidates: z.number().int().min(1).max(10_000).optional(),
  quotas: quotasSchema.optional(),
  coldStartQuotas: quotasSchema.optional(),
  historyPerUser: z.number().int().min(1).optional(),
  budgets: z
    .object({ recallMs: z.number().positive(), rankMs: z.number().positive(), exploreMs: z.number().positive() })
    .partial()
    .optional(),
  popularityHalfLifeMs: z.number().positive().optional(),
  newItemsWindowMs: z.number().positive().optional(),
  activity: z
    .array(z.object({ name: z.string().min(1), types: z.array(z.enum(['impression', 'click', 'like', 'rating', 'purchase', 'custom'])), days: z.number().positive() }))
    .optional(),
  priorStrength: z.number().positive().optional(),
  /** Follow new events (histories, activity counts, popularity) while serving (default true). */
  followEvents: z.boolean().optional(),
  /** How often the event follower reads new events, ms (default 1000). */
  followIntervalMs: z.number().positive().optional(),
});

export const recommendRequestSchema = z.object({
  /** The user's external id; unknown users get the cold-start path. */
  userId: z.string().min(1),
  placement: z.string().min(1),
  k: z.number().int().min(1).max(500),
  context: z
    .object({
      /** Restricts popularity and new items to one category. */
      category: z.string().min(1).optional(),
      /** Request values the ranker's schema may read as `context.<name>`. */
      values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    })
    .optional(),
  /** External item ids never to return. */
  exclude: z.array(z.string()).optional(),
  /** Log the served items in the impression log (with their propensities). */
  log: z.boolean().optional(),
  requestId: z.string().min(1).optional(),
});

export type RecommendRequestInput = z.input<typeof recommendRequestSchema>;
