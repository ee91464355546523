import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `clearance` command exactly as a user or CI job would. */
export function runCli(
  args: string[],
  cwd: string = repoRoot,
  env: Record<string, string> = {},
): CliRun {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'clearance.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
