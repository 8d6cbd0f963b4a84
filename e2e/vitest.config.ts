import { defineConfig } from 'vitest/config';

// End-to-end suites: real processes started the way a newcomer starts them, driven over HTTP.
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as in the unit tests.
  resolve: { conditions: ['@cascade/source'] },
  ssr: { resolve: { conditions: ['@cascade/source'] } },
  test: {
    include: ['e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
