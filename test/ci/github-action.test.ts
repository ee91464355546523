/**
 * The GitHub Action (action.yml) as a runner executes its check step: ci/github/clearance-check.sh
 * with the environment the step sets (INPUT_*) and the files GitHub provides ($GITHUB_OUTPUT,
 * $GITHUB_STEP_SUMMARY) as temp files, running the built binary on the credit-risk example. The
 * summary, outputs, JUnit file and exit code are checked for an allowed, a denied and a bad-input
 * run, and action.yml is checked to wire exactly these inputs and outputs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../cli/run-cli.js';

const script = join(repoRoot, 'ci', 'github', 'clearance-check.sh');
const credit = 'examples/credit-risk';

interface ActionRun {
  code: number | null;
  log: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  dir: string;
}

function runAction(inputs: Record<string, string>): ActionRun {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-action-'));
  const outputFile = join(dir, 'github_output');
  const summaryFile = join(dir, 'step_summary.md');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    CLEARANCE: `${process.execPath} ${join(repoRoot, 'bin', 'clearance.js')}`,
    INPUT_JUNIT_FILE: join(dir, 'clearance-junit.xml'),
    INPUT_REPORT_FILE: join(dir, 'clearance-report.json'),
  };
  for (const [name, value] of Object.entries(inputs)) env[name] = value;
  const run = spawnSync('bash', [script], { cwd: repoRoot, encoding: 'utf8', env });
  return {
    code: run.status,
    log: run.stdout,
    stderr: run.stderr,
    summary: readFileSync(summaryFile, 'utf8'),
    outputs: parseGithubOutput(readFileSync(outputFile, 'utf8')),
    dir,
  };
}

/**
 * $GITHUB_OUTPUT as GitHub reads it: `name=value` lines, or `name<<DELIMITER`, the value's lines,
 * then the delimiter alone on a line.
 */
function parseGithubOutput(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      expect(end, `no closing delimiter for output "${heredoc[1]}"`).toBeGreaterThan(i);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const at = line.indexOf('=');
    expect(at, `output line "${line}"`).toBeGreaterThan(0);
    outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return outputs;
}

const inputs = (candidate: string, transition = 'staging:production') => ({
  INPUT_POLICY: `${credit}/policy.yaml`,
  INPUT_TRANSITION: transition,
  INPUT_EVIDENCE: `${credit}/candidates/${candidate}`,
  INPUT_BASELINE: `${credit}/baseline`,
  INPUT_CHANGE_TYPE: 'standard',
});

describe('the GitHub Action’s check step', () => {
  it('allowed: exit 0, the Markdown report in the summary, JUnit and outputs', () => {
    const run = runAction(inputs('passing'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary).toMatch(/^### Clearance: staging → production \(standard\)/);
    expect(run.summary).toContain('**Allowed**');
    const report = JSON.parse(readFileSync(join(run.dir, 'clearance-report.json'), 'utf8'));
    expect(run.outputs).toEqual({
      'exit-code': '0',
      'report-file': join(run.dir, 'clearance-report.json'),
      'junit-file': join(run.dir, 'clearance-junit.xml'),
      summary: report.summary,
      decision: 'allowed',
    });
    const junit = readFileSync(join(run.dir, 'clearance-junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite');
    expect(junit.match(/<testcase /g)).toHaveLength(report.gates.length);
    expect(run.log).not.toContain('::error');
  });

  it('denied: exit 1, the job fails with an ::error:: naming the blocking gate', () => {
    const run = runAction(inputs('failing'));
    expect(run.code, run.stderr).toBe(1);
    expect(run.outputs.decision).toBe('denied');
    expect(run.outputs['exit-code']).toBe('1');
    expect(run.outputs.summary).toContain('approval-rate-parity');
    expect(run.summary).toContain('**Denied**');
    expect(run.summary).toContain('`approval-rate-parity`');
    expect(run.log).toContain(
      '::error title=Clearance denied the transition staging%3Aproduction::1 of 6 gates block',
    );
    expect(readFileSync(join(run.dir, 'clearance-junit.xml'), 'utf8')).toContain('<failure');
  });

  it('bad input: exit 2, told apart from a denial, with the reason in the summary', () => {
    const run = runAction(inputs('passing', 'draft:archived'));
    expect(run.code).toBe(2);
    expect(run.outputs.decision).toBe('error');
    expect(run.outputs['exit-code']).toBe('2');
    expect(run.outputs['junit-file']).toBeUndefined();
    expect(run.outputs.summary).toMatch(/^Not evaluated \(bad input\): .*draft/);
    expect(run.summary).toContain('### Clearance: not evaluated (bad input)');
    expect(run.summary).toContain('draft');
    expect(run.log).toContain(
      '::error title=Clearance could not evaluate the check (bad input%2C exit 2)::',
    );
    expect(existsSync(join(run.dir, 'clearance-junit.xml'))).toBe(false);
  });

  it('escapes a message so it cannot end its ::error:: early or forge a command or an output', () => {
    const forged = 'missing%0A\n::add-mask::secret\nsummary=forged/policy.yaml';
    const run = runAction({ ...inputs('passing'), INPUT_POLICY: forged });
    expect(run.code).toBe(2);
    const errorLines = run.log.split('\n').filter((line) => line.startsWith('::'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^::error title=[^:]*%2C exit 2\)::/);
    expect(errorLines[0]).toContain('missing%250A');
    expect(run.outputs.summary).toMatch(/^Not evaluated \(bad input\): .*missing%0A/);
    expect(Object.keys(run.outputs).sort()).toEqual(
      ['decision', 'exit-code', 'report-file', 'summary'].sort(),
    );
  });

  it('internal error: exit 3, the reason in the log, the outputs and the summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-action-broken-'));
    const broken = join(dir, 'broken-clearance.sh');
    writeFileSync(
      broken,
      '#!/usr/bin/env bash\necho "internal error: the disk went away" >&2\nexit 3\n',
      {
        mode: 0o755,
      },
    );
    const run = runAction({ ...inputs('passing'), CLEARANCE: broken });
    expect(run.code).toBe(3);
    expect(run.outputs.decision).toBe('error');
    expect(run.outputs['exit-code']).toBe('3');
    expect(run.outputs.summary).toBe(
      'Not evaluated (internal error, exit 3): internal error: the disk went away',
    );
    expect(run.log).toContain(
      '::error title=Clearance failed (exit 3)::internal error: the disk went away',
    );
    expect(run.summary).toContain('### Clearance: not evaluated (internal error, exit 3)');
    expect(run.summary).toContain('the disk went away');
  });

  it('action.yml passes every input the script reads and exposes every output it writes', () => {
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] };
    };
    expect(action.runs.using).toBe('composite');
    const step = action.runs.steps.find((s) => s.id === 'check');
    expect(step?.run).toContain('ci/github/clearance-check.sh');
    const read = [...readFileSync(script, 'utf8').matchAll(/INPUT_([A-Z_]+)/g)].map((m) => m[1]);
    for (const name of new Set(read)) {
      const input = (name ?? '').toLowerCase().replaceAll('_', '-');
      expect(Object.keys(action.inputs)).toContain(input);
      expect(step?.env?.[`INPUT_${name}`]).toBe(`\${{ inputs.${input} }}`);
    }
    const written = [...readFileSync(script, 'utf8').matchAll(/^\s*output ([a-z-]+) /gm)].map(
      (m) => m[1],
    );
    expect(new Set(written)).toEqual(new Set(Object.keys(action.outputs)));
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(`\${{ steps.check.outputs.${name} }}`);
    }
  });
});
