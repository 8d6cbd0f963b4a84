// Criteo Display Advertising Challenge TSV: label, 13 integer features (I1..I13), 26 hashed categorical
// features (C1..C26), no header, empty cells for missing values. Rows become labelled CTR examples.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { expectFieldCount, parseInteger } from './field-parsers.js';
import { ImportError } from './import-error.js';
import type { ImportFormat } from './import-run.js';
import { readLines } from './line-source.js';

export const CRITEO_INTEGER_FIELDS = Array.from({ length: 13 }, (_, i) => `I${i + 1}`);
export const CRITEO_CATEGORICAL_FIELDS = Array.from({ length: 26 }, (_, i) => `C${i + 1}`);

export const criteo: ImportFormat = {
  name: 'criteo',
  summary: 'Criteo TSV (label, I1..I13, C1..C26; no header) into the CTR data set named by --dataset (default "criteo")',
  files(source) {
    if (!existsSync(source)) throw new Error(`criteo: file not found: ${source}`);
    return [source];
  },
  async run(source, run) {
    const name = path.basename(source);
    for await (const { line, text } of readLines(source, 'utf8', (b) => run.progress(source, b))) {
      const ctx = { file: name, line };
      const f = text.split('\t');
      expectFieldCount(ctx, f, 40, 'Criteo');
      const label = f[0];
      if (label !== '0' && label !== '1') throw new ImportError(name, line, 'label', `expected 0 or 1, got "${label}"`);
      const features: Record<string, string | number | null> = {};
      for (let i = 0; i < 13; i++) {
        const v = f[1 + i];
        features[CRITEO_INTEGER_FIELDS[i]] = v === '' ? null : parseInteger(ctx, v, CRITEO_INTEGER_FIELDS[i]);
      }
      for (let i = 0; i < 26; i++) {
        const v = f[14 + i];
        if (v !== '' && !/^[0-9a-f]{1,16}$/i.test(v)) throw new ImportError(name, line, CRITEO_CATEGORICAL_FIELDS[i], `expected a hex token or an empty cell, got "${v}"`);
        features[CRITEO_CATEGORICAL_FIELDS[i]] = v === '' ? null : v;
      }
      await run.writer.addCtrExample(run.dataset, { line, label: label === '1' ? 1 : 0, features });
    }
  },
};
