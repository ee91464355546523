import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeTypes } from '../../src/domain/index.js';
import { repoRoot, runCli } from './run-cli.js';

const credit = join(repoRoot, 'examples', 'credit-risk');
const base = [
  'check',
  '--policy',
  join(credit, 'policy.yaml'),
  '--transition',
  'staging:production',
];
const failing = [
  '--evidence',
  join(credit, 'candidates', 'failing'),
  '--baseline',
  join(credit, 'baseline'),
];

describe('clearance check', () => {
  it('exits 2 and names the transitions when the transition is unknown', async () => {
    const run = await runCli([
      'check',
      '--policy',
      join(credit, 'policy.yaml'),
      '--transition',
      'staging:moon',
      '--evidence',
      credit,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('has no transition staging → moon');
    expect(run.stderr).toContain('draft → staging');
  });

  it("offers the domain's change types as --change-type, and refuses any other with exit 2", async () => {
    const help = await runCli(['check', '--help']);
    expect(help.status).toBe(0);
    // Commander wraps the option's line; its choices are the quoted words before `default:`.
    const line = /--change-type <type>[\s\S]*?default:/.exec(help.stdout)?.[0] ?? '';
    const offered = [...line.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
    expect(offered).toEqual([...changeTypes]);
    const refused = await runCli([...base, ...failing, '--change-type', 'hotfix']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('hotfix');
  });

  it('denies an experiment into production on a transition with no canary, as a request is refused', async () => {
    const fraud = join(repoRoot, 'examples', 'fraud');
    const dir = mkdtempSync(join(tmpdir(), 'clearance-cli-'));
    const text = readFileSync(join(fraud, 'policy.yaml'), 'utf8');
    const rollout = text.indexOf('    rollout:\n');
    expect(rollout).toBeGreaterThan(0);
    writeFileSync(
      join(dir, 'policy.yaml'),
      text.slice(0, rollout) + text.slice(text.indexOf('changeTypes:')),
    );
    const args = (policy: string) => [
      'check',
      '--policy',
      policy,
      '--transition',
      'staging:production',
      '--evidence',
      join(fraud, 'candidates', 'passing'),
      '--baseline',
      join(fraud, 'baseline'),
      '--change-type',
      'experiment',
      '--format',
      'json',
    ];
    const withCanary = await runCli(args(join(fraud, 'policy.yaml')));
    expect(withCanary.status).toBe(0);
    const without = await runCli(args(join(dir, 'policy.yaml')));
    expect(without.status).toBe(1);
    const report = JSON.parse(without.stdout) as { decision: string; refusals: string[] };
    expect(report.decision).toBe('denied');
    expect(report.refusals).toEqual([
      'An experiment reaches production only as a canary, and staging → production has no rollout.',
    ]);
  });

  it('exits 2 with file, line and column when the policy is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-cli-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: x, riskTier: low }\ntransitionz: []\n',
    );
    const run = await runCli([
      'check',
      '--policy',
      policy,
      '--transition',
      'a:b',
      '--evidence',
      dir,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/policy\.yaml:4:1/);
    expect(run.stderr).toContain('transitionz');
  });

  it('exits 2 when the evidence directory does not exist', async () => {
    const run = await runCli([...base, '--evidence', join(credit, 'no-such-dir')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no-such-dir');
  });

  it('writes JUnit with the failed gate as a failure', async () => {
    const run = await runCli([...base, ...failing, '--format', 'junit']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^<\?xml/);
    expect(run.stdout).toMatch(
      /<testcase[^>]*name="approval-rate-parity \(fairness\)">\s*<failure/,
    );
    expect(run.stdout).toMatch(/<testsuite [^>]*failures="1"/);
  });

  it('writes a Markdown table for a pull-request comment', async () => {
    const run = await runCli([...base, ...failing, '--format', 'markdown']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('❌ **Denied**');
    expect(run.stdout).toMatch(/\| `approval-rate-parity` \| fairness \| ❌ fail \|/);
    expect(run.stdout).toContain('`risk_officer`');
  });

  it('reports the evidence digests and the approvals still required in JSON', async () => {
    const run = await runCli([...base, ...failing, '--format', 'json']);
    const report = JSON.parse(run.stdout) as {
      evidence: { candidate: { items: { path: string; digest: string }[] } };
      approvalsRequired: { role: string }[];
    };
    const predictions = report.evidence.candidate.items.find((i) => i.path === 'predictions.csv');
    expect(predictions?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.approvalsRequired.map((a) => a.role)).toEqual([
      'model_owner',
      'risk_officer',
      'compliance_officer',
    ]);
  });

  it('says a comparison with production in words in text, and keeps the exact numbers in JSON', async () => {
    for (const candidate of ['passing', 'failing']) {
      const evidence = [
        '--evidence',
        join(credit, 'candidates', candidate),
        '--baseline',
        join(credit, 'baseline'),
      ];
      const json = await runCli([...base, ...evidence, '--format', 'json']);
      const text = await runCli([...base, ...evidence]);
      const gates = (
        JSON.parse(json.stdout) as {
          gates: {
            gateId: string;
            type: string;
            observed: number;
            details: { metric?: string; candidateValue?: number; baselineValue?: number };
          }[];
        }
      ).gates.filter((g) => g.type === 'baseline');
      expect(gates.length).toBeGreaterThan(0);
      for (const g of gates) {
        const { candidateValue = Number.NaN, baselineValue = Number.NaN } = g.details;
        // Exact in JSON: the difference itself, not a rounded one.
        expect(g.observed).toBe(candidateValue - baselineValue);
        const word = candidateValue > baselineValue ? 'rose' : 'fell';
        const line = text.stdout.split('\n').find((l) => l.includes(`${g.gateId} (baseline)`));
        expect(line).toMatch(
          new RegExp(
            `: observed \\w+ ${word} by \\d[\\d.]* \\([\\d.]+ → [\\d.]+\\), required`,
            'i',
          ),
        );
        expect(line).not.toMatch(/observed -?\d/);
      }
    }
  });

  it('rounds observed values and says a comparison in words in Markdown and JUnit too', async () => {
    const json = await runCli([...base, ...failing, '--format', 'json']);
    const gates = (
      JSON.parse(json.stdout) as {
        gates: {
          gateId: string;
          type: string;
          observed: number | string | null;
          details: { candidateValue?: number; baselineValue?: number };
        }[];
      }
    ).gates;
    const markdown = await runCli([...base, ...failing, '--format', 'markdown']);
    const junit = await runCli([...base, ...failing, '--format', 'junit']);
    const rows = (id: string) => ({
      markdown: markdown.stdout.split('\n').find((l) => l.startsWith(`| \`${id}\` |`)) ?? '',
      // The observed value opens a test case's message or output.
      junit:
        junit.stdout
          .split('\n')
          .find((_, i, all) => (all[i - 1] ?? '').includes(`name="${id} (`)) ?? '',
    });
    const fractional = gates.filter(
      (g) => typeof g.observed === 'number' && !Number.isInteger(g.observed),
    );
    expect(fractional.length).toBeGreaterThan(1);
    for (const g of fractional) {
      const exact = String(g.observed);
      const { markdown: row, junit: testCase } = rows(g.gateId);
      expect(row, g.gateId).not.toContain(exact);
      expect(testCase, g.gateId).not.toContain(exact);
      // The observed cell and the JUnit text hold no number with more than four decimals.
      const observedCell = row.split('|')[4] ?? '';
      expect(observedCell).not.toMatch(/\d\.\d{5}/);
      expect(testCase.split(', required')[0]).not.toMatch(/\d\.\d{5}/);
      const { candidateValue, baselineValue } = g.details;
      if (g.type === 'baseline' && candidateValue !== undefined && baselineValue !== undefined) {
        const word = candidateValue > baselineValue ? 'rose' : 'fell';
        const phrase = new RegExp(`\\w+ ${word} by \\d[\\d.]* \\([\\d.]+ → [\\d.]+\\)`);
        expect(observedCell).toMatch(phrase);
        expect(testCase).toMatch(phrase);
      } else {
        const rounded = (g.observed as number).toFixed(4);
        expect(observedCell.trim()).toBe(rounded);
        expect(testCase).toContain(`observed ${rounded}, required`);
      }
    }
  });

  it('denies when a candidate predictions file has rows different from the baseline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-cli-'));
    cpSync(join(credit, 'candidates', 'passing'), dir, { recursive: true });
    const file = join(dir, 'predictions.csv');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${lines.slice(0, -10).join('\n')}\n`);
    const run = await runCli([
      ...base,
      '--evidence',
      dir,
      '--baseline',
      join(credit, 'baseline'),
      '--format',
      'json',
    ]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as {
      gates: { gateId: string; outcome: string; explanation: string }[];
    };
    const auc = report.gates.find((g) => g.gateId === 'auc');
    expect(auc?.outcome).toBe('error');
  });
});

describe('clearance policy and init', () => {
  it('validates every example policy and prints its digest', async () => {
    const files = [
      'credit-risk',
      'recommender',
      'medical-imaging',
      'ride-sharing-eta',
      'fraud',
    ].map((e) => join(repoRoot, 'examples', e, 'policy.yaml'));
    const run = await runCli(['policy', 'validate', ...files]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.match(/valid, sha256:[0-9a-f]{64}/g)?.length).toBe(5);
  });

  it('explains who must approve each transition', async () => {
    const run = await runCli([
      'policy',
      'explain',
      join(repoRoot, 'examples', 'medical-imaging', 'policy.yaml'),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('senior_clinician');
    expect(run.stdout).toContain('model_owner');
  });

  it('writes a starter policy that validates, and refuses to overwrite it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-init-'));
    const out = join(dir, 'policy.yaml');
    expect((await runCli(['init', '--template', 'fraud', '--output', out])).status).toBe(0);
    expect((await runCli(['policy', 'validate', out])).status).toBe(0);
    const again = await runCli(['init', '--template', 'fraud', '--output', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('names the templates when asked for one that does not exist', async () => {
    const run = await runCli(['init', '--template', 'nope', '--output', join(tmpdir(), 'x.yaml')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('credit-risk');
  });
});
