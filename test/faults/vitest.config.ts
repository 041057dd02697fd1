import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The fault suite (`pnpm test:faults`): real service processes, private Redis/PostgreSQL servers
// for the cases that stop a server. Cases run one at a time: each starts several Node processes and
// two cores are all there is; each case owns its schema, queue prefix, servers and temp directory.
export default defineConfig({
  root,
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
