import { defineConfig } from 'vitest/config';

// Tests resolve workspace packages to their TypeScript sources (the `@cascade/source` export condition).
export default defineConfig({
  resolve: { conditions: ['@cascade/source'] },
  ssr: { resolve: { conditions: ['@cascade/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
