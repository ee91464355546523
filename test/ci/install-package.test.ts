/**
 * The install steps of the GitHub Action (action.yml, "Install Clearance") and the GitLab template
 * (the script entries before the check), run by bash as a runner would, with `package` /
 * CLEARANCE_PACKAGE a tarball path relative to the repository being checked — as the docs offer
 * ("a tarball URL or path"). A small package named `clearance`, packed by the real npm, stands in
 * for the release tarball; npm runs offline with an empty cache of its own (the package has no
 * dependencies), so nothing leaves the machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../cli/run-cli.js';

/** A repository with `vendor/clearance-0.0.0.tgz`, and the environment npm runs offline in. */
function repositoryWithTarball(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-install-'));
  const source = join(dir, 'source');
  mkdirSync(join(source, 'bin'), { recursive: true });
  writeFileSync(
    join(source, 'package.json'),
    JSON.stringify({ name: 'clearance', version: '0.0.0', bin: { clearance: 'bin/clearance.js' } }),
  );
  writeFileSync(join(source, 'bin', 'clearance.js'), '#!/usr/bin/env node\n');
  const env = {
    ...process.env,
    npm_config_offline: 'true',
    npm_config_cache: join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
  } as Record<string, string>;
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'vendor'), { recursive: true });
  const packed = spawnSync('npm', ['pack', '--pack-destination', join(repo, 'vendor'), source], {
    env,
    encoding: 'utf8',
  });
  expect(packed.status, packed.stderr).toBe(0);
  expect(existsSync(join(repo, 'vendor', 'clearance-0.0.0.tgz'))).toBe(true);
  return { dir: repo, env };
}

const installed = (root: string) =>
  JSON.parse(readFileSync(join(root, 'node_modules', 'clearance', 'package.json'), 'utf8')) as {
    version: string;
  };

describe('installing Clearance from a tarball path relative to the repository', () => {
  it('the GitHub Action installs it and points CLEARANCE at it', () => {
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
      runs: { steps: { name?: string; run?: string }[] };
    };
    const step = action.runs.steps.find((s) => s.name === 'Install Clearance');
    if (!step?.run) throw new Error('action.yml has no "Install Clearance" step');
    const { dir, env } = repositoryWithTarball();
    const runnerTemp = mkdtempSync(join(tmpdir(), 'clearance-runner-temp-'));
    const githubEnv = join(runnerTemp, 'github_env');
    writeFileSync(githubEnv, '');
    const run = spawnSync('bash', ['-e', '-c', step.run], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...env,
        PACKAGE: 'vendor/clearance-0.0.0.tgz',
        RUNNER_TEMP: runnerTemp,
        GITHUB_ENV: githubEnv,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const tool = join(runnerTemp, 'clearance');
    expect(installed(tool).version).toBe('0.0.0');
    expect(readFileSync(githubEnv, 'utf8')).toBe(
      `CLEARANCE=node ${join(tool, 'node_modules', 'clearance', 'bin', 'clearance.js')}\n`,
    );
  });

  it('the GitLab template installs it into .clearance-tool', () => {
    const job = (
      parse(readFileSync(join(repoRoot, 'ci', 'gitlab', 'clearance.gitlab-ci.yml'), 'utf8')) as {
        '.clearance-check': { script: string[]; variables: Record<string, string> };
      }
    )['.clearance-check'];
    const install = job.script.slice(0, -1);
    expect(install.length).toBeGreaterThan(0);
    const { dir, env } = repositoryWithTarball();
    for (const line of install) {
      const run = spawnSync('bash', ['-e', '-c', line], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...env, ...job.variables, CLEARANCE_PACKAGE: 'vendor/clearance-0.0.0.tgz' },
      });
      expect(run.status, `${line}\n${run.stderr}`).toBe(0);
    }
    expect(installed(join(dir, '.clearance-tool')).version).toBe('0.0.0');
  });
});
