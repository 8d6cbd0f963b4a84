import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { FeatureVocabularyBuilder, parseFeatureSchema } from '@cascade/features';
import { createCtrModel, CtrRanker, loadRanker, saveRanker, trainCtrModel } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cascade-ranker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ranker artefact', () => {
  const schema = parseFeatureSchema({
    fields: [
      { name: 'user', type: 'categorical', source: 'user.id' },
      { name: 'item', type: 'categorical', source: 'item.id' },
      { name: 'genres', type: 'multi_categorical', source: 'item.categories', maxValues: 3 },
      { name: 'hour', type: 'numeric', source: 'context.hour', transform: { kind: 'buckets', boundaries: [6, 12, 18] } },
    ],
  });
  const r = new SeededRandom(9);
  const users = Array.from({ length: 20 }, (_, i) => ({ id: `u${i}` }));
  const items = Array.from({ length: 30 }, (_, i) => ({ id: i, categories: [`g${i % 4}`, `g${(i * 7) % 5}`] }));
  const examples = Array.from({ length: 600 }, () => ({
    user: users[r.int(users.length)],
    item: items[r.int(items.length)],
    context: { timestamp: Date.UTC(2024, 0, 1, r.int(24)) },
  }));

  for (const kind of ['lr', 'fm', 'deepfm'] as const) {
    it(`${kind}: load then score gives the same scores as before saving`, async () => {
      const builder = new FeatureVocabularyBuilder(schema);
      for (const e of examples) builder.addRow({ user: e.user.id, item: e.item.id, genres: e.item.categories, hour: new Date(e.context.timestamp).getUTCHours() });
      const encoder = builder.build();
      const { assembleTrainingRows } = await import('@cascade/features');
      const rows = assembleTrainingRows(encoder, examples);
      const labels = Float32Array.from(examples, (e) => ((Number(e.item.id) + e.user.id.length) % 3 === 0 ? 1 : 0));
      const layout = { vocabularySize: encoder.vocabularySize, slotField: encoder.slotField, fieldCount: encoder.fieldCount };
      const model = await createCtrModel(kind, layout, { embedDim: 4, hidden: [8, 8] });
      trainCtrModel(model, { ...rows, labels }, { ...rows, labels }, { epochs: 2, batchSize: 64 });
      const ranker = new CtrRanker(encoder, model, { note: 'test' });
      const request = { user: users[3], context: { timestamp: Date.UTC(2024, 0, 1, 15) } };
      const before = ranker.score(request, items);
      const dir = saveRanker(ranker, tmp, { version: `${kind}-v1` });
      expect(readdirSync(tmp).filter((f) => f.startsWith('.tmp'))).toEqual([]);
      const loaded = await loadRanker(dir);
      const after = loaded.score(request, items);
      expect(Array.from(after)).toEqual(Array.from(before));
      // the off-event-loop path of the loaded ranker (bf16 where supported) agrees closely
      const viaAsync = await loaded.scoreAsync(request, items);
      for (let i = 0; i < items.length; i++) expect(Math.abs(viaAsync[i] - before[i])).toBeLessThan(2e-3);
      expect(loaded.metrics.note).toBe('test');
      expect(() => saveRanker(ranker, tmp, { version: `${kind}-v1` })).toThrow(/already exists/);
      ranker.dispose();
      loaded.dispose();
    });
  }
});
