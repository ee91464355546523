import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    // Each test file in a process of its own: test/cli/run-cli.ts drives the CLI in-process and
    // sets process.cwd() around each call, which worker threads cannot.
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on this 2-core machine. The
    // suite waits on fsyncs, PostgreSQL, child processes and browsers for much of its time, so
    // four workers overlap that waiting: the whole suite took 1,039 s with four against 1,468 s
    // with one (bench/results/test-wall-time.md).
    maxWorkers: 4,
    // Rebuilds dist/ when src/ is newer, for the suites that spawn bin/clearance.js.
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
