import { defineConfig } from 'vitest/config';

/**
 * Files that need a module graph of their own: a `vi.mock` of a module others load first
 * (worker-start-failure), or a check that a module is not loaded yet (linear-regex).
 */
const isolatedFiles = [
  'test/gate-runs/worker-start-failure.test.ts',
  'src/domain/linear-regex.test.ts',
];

export default defineConfig({
  test: {
    // Worker processes, not threads: test/cli/run-cli.ts drives the CLI in-process and sets
    // process.cwd() around each call, which worker threads cannot.
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
    projects: [
      {
        // One module graph per worker process, reused by the files it runs: each file no longer
        // imports the app afresh (the suite summed ~780 s of imports with a graph per file, ~80 s
        // without; bench/results/test-wall-time.md, session 17). Module state a file leaves
        // behind is then seen by the next file of the worker; the files below cannot share it.
        extends: true,
        test: {
          name: 'shared',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
          exclude: isolatedFiles,
          isolate: false,
        },
      },
      // A graph per file, as every file had before the shared project.
      { extends: true, test: { name: 'isolated', include: isolatedFiles } },
    ],
  },
});
