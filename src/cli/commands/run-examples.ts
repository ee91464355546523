import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ClearanceError } from '../../domain/index.js';
import type { CheckReport } from '../check-report.js';
import { runCheck } from './run-check.js';

const caseSchema = z.strictObject({
  name: z.string().min(1),
  transition: z.string().min(1),
  evidence: z.string().min(1),
  baseline: z.string().optional(),
  changeType: z.enum(['standard', 'emergency', 'experiment']).default('standard'),
  expect: z.strictObject({
    decision: z.enum(['allowed', 'denied']),
    blockingGates: z.array(z.string()).default([]),
  }),
});
const casesSchema = z.strictObject({ cases: z.array(caseSchema).min(1) });
export type ExampleCase = z.infer<typeof caseSchema>;

export interface ExampleOutcome {
  example: string;
  case: ExampleCase;
  report: CheckReport;
  /** The blocking gates actually found. */
  blockingGates: string[];
  asExpected: boolean;
}

async function readExampleCases(dir: string): Promise<ExampleCase[]> {
  const file = join(dir, 'cases.yaml');
  const parsed = casesSchema.safeParse(parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    throw new ClearanceError('invalid_input', `${file} is not a valid list of example cases.`, {
      problems: parsed.error.issues.map((i) => ({ message: `${i.path.join('.')}: ${i.message}` })),
    });
  }
  return parsed.data.cases;
}

/** Runs every case of every example under `root` through the same path as `clearance check`. */
export async function runExamples(root: string): Promise<ExampleOutcome[]> {
  const entries = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'cases.yaml')))
    .map((e) => e.name)
    .sort();
  const outcomes: ExampleOutcome[] = [];
  for (const example of entries) {
    const dir = join(root, example);
    for (const c of await readExampleCases(dir)) {
      const report = await runCheck({
        policyFile: join(dir, 'policy.yaml'),
        transition: c.transition,
        evidenceDir: join(dir, c.evidence),
        ...(c.baseline ? { baselineDir: join(dir, c.baseline) } : {}),
        changeType: c.changeType,
      });
      const blockingGates = report.gates
        .filter((g) => g.outcome !== 'pass' && !g.bypassed)
        .map((g) => g.gateId)
        .sort();
      const expected = [...c.expect.blockingGates].sort();
      const asExpected =
        report.decision === c.expect.decision &&
        JSON.stringify(blockingGates) === JSON.stringify(expected);
      outcomes.push({ example, case: c, report, blockingGates, asExpected });
    }
  }
  return outcomes;
}

export function renderExamples(outcomes: readonly ExampleOutcome[]): string {
  const lines = ['Clearance examples: every case runs `clearance check` on its evidence.', ''];
  for (const o of outcomes) {
    const ok = o.asExpected ? '✓' : '✗ UNEXPECTED';
    const blocking =
      o.blockingGates.length > 0 ? ` — blocked by ${o.blockingGates.join(', ')}` : '';
    lines.push(
      `${ok} ${o.example} / ${o.case.name}: ${o.report.decision.toUpperCase()}${blocking}`,
    );
  }
  const bad = outcomes.filter((o) => !o.asExpected).length;
  lines.push(
    '',
    bad === 0
      ? `All ${outcomes.length} cases decided as expected.`
      : `${bad} case(s) decided unexpectedly.`,
  );
  return `${lines.join('\n')}\n`;
}
