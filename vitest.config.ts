import { defineConfig } from 'vitest/config';

// `npm test` runs every project in one vitest process (see tools/scripts/run-tests.mjs).
export default defineConfig({
  test: {
    projects: ['libs/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    maxWorkers: 2,
  },
});
