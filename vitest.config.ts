import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    // Each test file in a process of its own: test/cli/run-cli.ts drives the CLI in-process and
    // sets process.cwd() around each call, which worker threads cannot.
    pool: 'forks',
    // Rebuilds dist/ when src/ is newer, for the suites that spawn bin/clearance.js.
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
