// What a server serves: the Recommender over the active registry versions. Servers call it at start and again
// whenever a promotion (or rollback) changes the active versions, so every server follows the registry.
import type { CascadeDatabase } from '@cascade/db';
import { Recommender, type RecommenderLoadOptions } from './recommender.js';
import { resolveServingModels } from './startup-models.js';

export type ServingRecommenderOptions = Omit<RecommenderLoadOptions, 'modelsDir' | 'recallModelDir' | 'indexFile' | 'rankerDir'>;

/** Loads the Recommender with the artefacts of the active versions (stages without one serve their fallback). */
export async function loadServingRecommender(db: CascadeDatabase, options: ServingRecommenderOptions = {}): Promise<Recommender> {
  const models = await resolveServingModels(db);
  return Recommender.load(db, { ...options, recallModelDir: models.recallModelDir, indexFile: models.indexFile, rankerDir: models.rankerDir });
}
