// admin.catalogue: items and users with their event counts, one item (popularity and recall-model
// neighbours) or user (history and the features the ranker sees), and the categories.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { SqlClient } from '@cascade/db';
import { router } from '../trpc.js';
import { limitOffset, pageFields } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';
import { getCatalogueItem, getCatalogueUser, ITEM_SORTS, itemTitles, listCatalogueItems, listCatalogueUsers, listCategories } from './catalogue-queries.js';

const viewer = adminProcedure('viewer');

/** The distinct categories scan every item's array (~0.5 s on 100,000 items): kept for 10 s per database. */
const CATEGORIES_TTL_MS = 10_000;
const categoriesCache = new WeakMap<SqlClient, { until: number; value: Promise<string[]> }>();

function cachedCategories(sql: SqlClient): Promise<string[]> {
  const hit = categoriesCache.get(sql);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = listCategories(sql);
  categoriesCache.set(sql, { until: Date.now() + CATEGORIES_TTL_MS, value });
  value.catch(() => categoriesCache.delete(sql));
  return value;
}

/** The user's record as recall and the ranker see it (Recommender.userFeatures). */
export interface UserFeatureView {
  user: { id: string | number; attributes?: Readonly<Record<string, unknown>> };
  activity: Record<string, number>;
  recentItems: string[];
  hasVector: boolean;
}
const id = z.string().trim().min(1, 'must not be empty').max(512);

export const catalogueRouter = router({
  items: viewer
    .input(
      z.object({
        search: z.string().max(200).optional(),
        category: z.string().trim().min(1).max(200).optional(),
        active: z.boolean().optional(),
        sort: z.enum(ITEM_SORTS).optional(),
        ...pageFields,
      }),
    )
    .query(({ ctx, input }) => listCatalogueItems(ctx.db.sql, { ...input, ...limitOffset(input) })),
  item: viewer.input(z.object({ itemId: id, neighbours: z.number().int().min(1).max(100).default(20) })).query(async ({ ctx, input }) => {
    const detail = await getCatalogueItem(ctx.db.sql, input.itemId);
    if (!detail) throw new TRPCError({ code: 'NOT_FOUND', message: `itemId: no item "${input.itemId}"` });
    let neighbours: { itemId: string; score: number }[] = [];
    const recommender = ctx.services?.servedRecommender;
    if (recommender) {
      try {
        neighbours = recommender.neighbours(input.itemId, input.neighbours);
      } catch (error) {
        // an item added after the recommender loaded is not in its catalogue yet: it has no neighbours there
        if (!/unknown item/.test((error as Error).message)) throw error;
      }
    }
    const titles = await itemTitles(
      ctx.db.sql,
      neighbours.map((n) => n.itemId),
    );
    return { ...detail, neighbours: neighbours.map((n) => ({ itemId: n.itemId, title: titles.get(n.itemId) ?? '', score: n.score })) };
  }),
  users: viewer
    .input(z.object({ search: z.string().max(200).optional(), ...pageFields }))
    .query(({ ctx, input }) => listCatalogueUsers(ctx.db.sql, { search: input.search, ...limitOffset(input) })),
  user: viewer.input(z.object({ userId: id })).query(async ({ ctx, input }) => {
    const found = await getCatalogueUser(ctx.db.sql, input.userId);
    if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: `userId: no user "${input.userId}"` });
    const recommender = ctx.services?.servedRecommender;
    const view = recommender ? await recommender.userFeatures(input.userId) : null;
    const features: UserFeatureView | null = view && { user: view.user, activity: view.activity, recentItems: view.recentItems, hasVector: view.hasVector };
    return { ...found, features };
  }),
  categories: viewer.query(({ ctx }) => cachedCategories(ctx.db.sql)),
});
