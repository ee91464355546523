/**
 * Fuzz suite over every evidence reader: whatever files an evidence set holds — random text,
 * random JSON, deep JSON, YAML alias bombs, heading storms, malformed CSV — reading it never
 * throws (a malformed item is a problem of its kind) and every gate of every example policy
 * answers a result (`error` where evidence is bad), never an exception.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvidenceBundle, GateResult, Policy } from '../../src/domain/index.js';
import { loadEvidenceBundle } from '../../src/evidence/index.js';
import { evaluateGates } from '../../src/gates/index.js';
import { parsePolicy } from '../../src/policy/index.js';

const examplesDir = join(import.meta.dirname, '..', '..', 'examples');

const policies: Policy[] = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    const file = join(examplesDir, entry.name, 'policy.yaml');
    try {
      const result = parsePolicy(readFileSync(file, 'utf8'), file);
      return 'policy' in result ? [result.policy] : [];
    } catch {
      return [];
    }
  });

/** The names the readers give meaning to, plus a few that collide with them. */
const fileNames = [
  'predictions.csv',
  'predictions.jsonl',
  'predictions.parquet',
  'metrics.json',
  'lineage.json',
  'sbom.cdx.json',
  'bom.json',
  'sbom.spdx.json',
  'model_card.md',
  'evaluation_report.md',
  'evaluation_report.html',
  'monitoring_plan.md',
  'rollback_plan.md',
  'scan_results.json',
  'load_test.json',
  'load_test.csv',
  'load_test.ndjson',
  'load_test_stats.csv',
  'robustness/gps_drift.csv',
  'robustness_report.md',
  'drift_baseline.json',
  'evidence.yaml',
  'data_fields.json',
  'notes.md',
  'docs/extra.md',
  'config.env',
];

const deepJson = fc
  .integer({ min: 100, max: 6000 })
  .map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
const aliasBomb = fc.constant(
  [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  ].join('\n'),
);
const frontMatterBomb = aliasBomb.map((yaml) => `---\n${yaml}\n---\n# Intended use\nx\n`);
const headingStorm = fc.integer({ min: 1, max: 3000 }).map((n) => '## a\n'.repeat(n));
const csv = fc
  .array(
    fc.array(
      fc.oneof(fc.double(), fc.string({ maxLength: 8 }), fc.constantFrom('', '"', '0', '1')),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    { maxLength: 30 },
  )
  .map((rows) => ['y,p,p_prod,sex,id', ...rows.map((r) => r.join(','))].join('\n'));
const content = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  deepJson,
  aliasBomb,
  frontMatterBomb,
  headingStorm,
  csv,
  fc.constantFrom('', '\u0000', '{', '[1,2', '<h1>a', '<h2><h2><h2>', '---\n---\n', 'null'),
);

const evidenceSet = fc.dictionary(fc.constantFrom(...fileNames), content, {
  minKeys: 1,
  maxKeys: 6,
});

async function writeSet(files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-fuzz-evidence-'));
  for (const [path, text] of Object.entries(files)) {
    // A file and a directory of one name cannot both exist; the later one is dropped.
    await mkdir(dirname(join(dir, path)), { recursive: true }).catch(() => undefined);
    try {
      writeFileSync(join(dir, path), text);
    } catch {
      /* name taken by a directory */
    }
  }
  return dir;
}

function gateResultsFor(candidate: EvidenceBundle, baseline: EvidenceBundle): GateResult[] {
  const results: GateResult[] = [];
  for (const policy of policies) {
    for (const transition of policy.transitions) {
      const context = {
        candidate,
        baseline,
        ...(policy.evaluationSet ? { evaluationSet: policy.evaluationSet } : {}),
      };
      results.push(...evaluateGates(transition.gates, context));
    }
  }
  return results;
}

describe('evidence readers under fuzzing', () => {
  it('reads the example policies it fuzzes the gates of', () => {
    expect(policies.length).toBeGreaterThanOrEqual(5);
  });

  it('never throws on any evidence set, and every gate answers a result', async () => {
    const evaluationSet = policies.find((p) => p.evaluationSet)?.evaluationSet;
    expect(evaluationSet).toBeDefined();
    await fc.assert(
      fc.asyncProperty(evidenceSet, evidenceSet, async (candidateFiles, baselineFiles) => {
        const dirs = [await writeSet(candidateFiles), await writeSet(baselineFiles)];
        try {
          const [candidate, baseline] = await Promise.all(
            dirs.map((dir) =>
              loadEvidenceBundle(dir, {
                ...(evaluationSet ? { evaluationSet } : {}),
                groupColumns: ['sex'],
              }),
            ),
          );
          for (const problem of [...candidate!.problems, ...baseline!.problems]) {
            expect(typeof problem.message).toBe('string');
          }
          const results = gateResultsFor(candidate!, baseline!);
          for (const result of results) {
            expect(['pass', 'fail', 'error']).toContain(result.outcome);
            expect(result.explanation.length).toBeGreaterThan(0);
          }
        } finally {
          for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  }, 240_000);
});
