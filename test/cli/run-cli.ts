/**
 * Drives the `clearance` command in this process through `main(argv, io)`, as bin/clearance.js
 * does, or — for the few binary smoke tests and the servers the end-to-end suites start — spawns
 * the built binary itself (test/global-setup.ts rebuilds dist/ first when src/ is newer).
 *
 * The command reads files relative to the working directory and its configuration from the
 * environment, so `runCli` sets `process.cwd()` and `process.env` around each call and restores
 * them after; calls are serialised. This needs each test file in a process of its own (vitest's
 * `forks` pool, set in vitest.config.ts): `process.chdir` is not available in worker threads.
 */
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/**
 * The repository: two levels up from test/cli/, or three when the benchmark (bench/web.ts) runs
 * this file compiled into dist/test/cli/.
 */
export const repoRoot = join(
  import.meta.dirname,
  ...(basename(join(import.meta.dirname, '..', '..')) === 'dist'
    ? ['..', '..', '..']
    : ['..', '..']),
);

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The working directory relative paths resolve against; default the repository root. */
  cwd?: string;
  /** Variables set (over this process's environment) for the call. */
  env?: Record<string, string>;
  /** For the binary: kill it after this long (a command that should have exited). */
  timeoutMs?: number;
}

type Io = NonNullable<Parameters<typeof main>[1]>;

let queue: Promise<unknown> = Promise.resolve();

/** Runs `clearance <args>` in this process and returns its exit code and what it wrote. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const run = queue.then(() => runNow(args, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runNow(args: string[], options: CliOptions): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const env = { NO_COLOR: '1', ...options.env };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const cwd = process.cwd();
  Object.assign(process.env, env);
  process.chdir(options.cwd ?? repoRoot);
  try {
    const io = { stdout: stdout.stream, stderr: stderr.stream } as Io;
    const status = await main(['node', 'clearance', ...args], io);
    return { status, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    process.chdir(cwd);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function collector(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs the built `clearance` binary exactly as a user or CI job would. */
export function runBinary(args: string[], options: CliOptions = {}): CliRun {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'clearance.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
