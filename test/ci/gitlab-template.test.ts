/**
 * The GitLab CI template (ci/gitlab/clearance.gitlab-ci.yml): its check script, taken from the YAML,
 * run by bash as a runner would, with this checkout standing in for the installed package and a
 * loopback HTTP server standing in for GitLab's merge-request notes API. Checks the exit code, the
 * JUnit report the template declares as its artifact, and the note (body and token).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../cli/run-cli.js';

interface Job {
  variables: Record<string, string>;
  script: string[];
  artifacts: { when: string; reports: { junit: string } };
}

const job = (
  parse(readFileSync(join(repoRoot, 'ci', 'gitlab', 'clearance.gitlab-ci.yml'), 'utf8')) as Record<
    string,
    Job
  >
)['.clearance-check'] as Job;

function runScript(env: Record<string, string>, cwd: string) {
  // The last script entry does the check; the earlier ones install the package (done below).
  const check = job.script.at(-1) ?? '';
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', check], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...job.variables, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-gitlab-'));
  mkdirSync(join(dir, '.clearance-tool', 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(dir, '.clearance-tool', 'node_modules', 'clearance'));
  symlinkSync(join(repoRoot, 'examples'), join(dir, 'examples'));
  return dir;
}

const credit = {
  CLEARANCE_POLICY: 'examples/credit-risk/policy.yaml',
  CLEARANCE_TRANSITION: 'staging:production',
  CLEARANCE_EVIDENCE: 'examples/credit-risk/candidates/failing',
  CLEARANCE_BASELINE: 'examples/credit-risk/baseline',
};

describe('the GitLab CI template', () => {
  it('denied: exit 1, the JUnit artifact, and the Markdown report as a merge request note', async () => {
    const notes: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const gitlab = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        notes.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}');
      });
    });
    await new Promise<void>((resolve) => gitlab.listen(0, '127.0.0.1', resolve));
    const { port } = gitlab.address() as AddressInfo;
    try {
      const dir = workspace();
      const run = await runScript(
        {
          ...credit,
          CLEARANCE_GITLAB_TOKEN: 'glpat-test',
          CI_MERGE_REQUEST_IID: '17',
          CI_PROJECT_ID: '42',
          CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`,
        },
        dir,
      );
      expect(run.code, run.stderr).toBe(1);
      expect(job.artifacts.when).toBe('always');
      expect(job.artifacts.reports.junit).toBe('$CLEARANCE_JUNIT_FILE');
      const junit = readFileSync(join(dir, job.variables.CLEARANCE_JUNIT_FILE ?? ''), 'utf8');
      expect(junit).toContain('<failure');
      expect(notes).toHaveLength(1);
      const [note] = notes;
      expect(note?.url).toBe('/api/v4/projects/42/merge_requests/17/notes');
      expect(note?.headers['private-token']).toBe('glpat-test');
      const markdown = readFileSync(join(dir, job.variables.CLEARANCE_MARKDOWN_FILE ?? ''), 'utf8');
      expect(JSON.parse(note?.body ?? '{}')).toEqual({ body: markdown });
      expect(markdown).toContain('**Denied**');
    } finally {
      gitlab.close();
    }
  });

  it('bad input: exit 2, said to be not evaluated, no note without a token', async () => {
    const run = await runScript({ ...credit, CLEARANCE_TRANSITION: 'draft:archived' }, workspace());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Clearance could not evaluate the check (exit 2: bad input).');
  });
});
