import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run 10,000 cases each and the OASIS corpus is 905 files: time, not hangs.
    testTimeout: 120_000,
    // Two cores on CI machines: forks keep the native addon out of worker threads' way.
    pool: 'forks',
    // The store's exact check for a transaction opened inside another (src/store/txbase.ts).
    env: { KMIPKIT_STORE_CHECKS: '1' },
  },
});
