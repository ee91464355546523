import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli } from './run-cli.js';

interface Case {
  name: string;
  transition: string;
  evidence: string;
  baseline?: string;
  changeType?: string;
  expect: { decision: 'allowed' | 'denied'; blockingGates?: string[] };
}

const examplesDir = join(repoRoot, 'examples');
const examples = readdirSync(examplesDir).filter((d) =>
  existsSync(join(examplesDir, d, 'cases.yaml')),
);

describe('worked examples decide as the source document expects', () => {
  it('has every scenario of the source document', async () => {
    expect(examples.sort()).toEqual(
      ['credit-risk', 'fraud', 'medical-imaging', 'recommender', 'ride-sharing-eta'].sort(),
    );
  });

  for (const example of examples) {
    const dir = join(examplesDir, example);
    const { cases } = parse(readFileSync(join(dir, 'cases.yaml'), 'utf8')) as { cases: Case[] };
    for (const c of cases) {
      it(`${example}: ${c.name}`, async () => {
        const args = ['check', '--policy', join(dir, 'policy.yaml'), '--transition', c.transition];
        args.push('--evidence', join(dir, c.evidence), '--format', 'json');
        if (c.baseline) args.push('--baseline', join(dir, c.baseline));
        if (c.changeType) args.push('--change-type', c.changeType);
        const run = await runCli(args);
        expect(run.stderr).toBe('');
        const report = JSON.parse(run.stdout) as {
          decision: string;
          gates: { gateId: string; outcome: string; bypassed?: boolean }[];
          policy: { digest: string };
        };
        const blocking = report.gates
          .filter((g) => g.outcome !== 'pass' && g.bypassed !== true)
          .map((g) => g.gateId)
          .sort();
        expect(report.decision).toBe(c.expect.decision);
        expect(blocking).toEqual([...(c.expect.blockingGates ?? [])].sort());
        expect(run.status).toBe(c.expect.decision === 'allowed' ? 0 : 1);
        expect(report.policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      });
    }
  }
});
