/**
 * `clearance init` scaffolds the evidence bundle its policy asks for, and `clearance check` on the
 * untouched scaffold names exactly what is still missing. The required documents and sections are
 * read from the template's YAML here, independently of the policy parser.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli } from './run-cli.js';

interface Yaml {
  evaluationSet: { label: string; score: string; idColumn?: string };
  transitions: {
    from: string;
    to: string;
    documents?: (string | { name: string; sections: string[] })[];
    gates: { type: string; require?: string[]; attribute?: string }[];
  }[];
}

const template = (name: string) =>
  parse(readFileSync(join(repoRoot, 'examples', name, 'policy.yaml'), 'utf8')) as Yaml;

/** Document name → required sections, from the YAML's `documents:` lists. */
function requiredDocuments(policy: Yaml): Map<string, string[]> {
  const docs = new Map<string, string[]>();
  for (const t of policy.transitions)
    for (const d of t.documents ?? [])
      docs.set(typeof d === 'string' ? d : d.name, typeof d === 'string' ? [] : d.sections);
  return docs;
}

const headings = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('## '))
    .map((l) => l.slice(3));

interface Report {
  decision: string;
  gates: {
    gateId: string;
    outcome: string;
    explanation: string;
    details: Record<string, unknown>;
  }[];
}

async function checkScaffold(dir: string): Promise<{ status: number | null; report: Report }> {
  const run = await runCli(
    [
      'check',
      '--policy',
      'policy.yaml',
      '--transition',
      'staging:production',
      '--evidence',
      'evidence',
      '--format',
      'json',
    ],
    { cwd: dir },
  );
  return { status: run.status, report: JSON.parse(run.stdout) as Report };
}

describe('clearance init scaffolds the evidence bundle', () => {
  it('writes each required document with exactly its required sections, a lineage file and a guide', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-scaffold-'));
    const run = await runCli([
      'init',
      '--template',
      'credit-risk',
      '--output',
      join(dir, 'policy.yaml'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const policy = template('credit-risk');
    const docs = requiredDocuments(policy);
    expect(docs.size).toBe(4);
    expect(readdirSync(join(dir, 'evidence')).sort()).toEqual(
      [...[...docs.keys()].map((d) => `${d}.md`), 'lineage.json'].sort(),
    );
    for (const [name, sections] of docs) {
      expect(sections.length).toBeGreaterThan(0);
      expect(headings(readFileSync(join(dir, 'evidence', `${name}.md`), 'utf8'))).toEqual(sections);
    }
    const lineage = JSON.parse(readFileSync(join(dir, 'evidence', 'lineage.json'), 'utf8'));
    const repro = policy.transitions
      .flatMap((t) => t.gates)
      .find((g) => g.type === 'reproducibility');
    for (const field of repro?.require ?? []) expect(lineage[field]).toBe('');
    const guide = readFileSync(join(dir, 'EVIDENCE-GUIDE.md'), 'utf8');
    const { label, score, idColumn } = policy.evaluationSet;
    for (const column of [label, score, idColumn, 'sex']) expect(guide).toContain(`\`${column}\``);
    expect(guide).toContain(
      'clearance check --policy policy.yaml --transition staging:production --evidence evidence --baseline',
    );

    // Untouched, check names every gap: each empty section, each lineage field, the predictions.
    const { status, report } = await checkScaffold(dir);
    expect(status).toBe(1);
    const gate = (id: string) => report.gates.find((g) => g.gateId === id);
    expect(gate('documents')?.details.missingSections).toEqual(Object.fromEntries(docs));
    expect(gate('documents')?.explanation).toContain(
      'model_card lacks text under "Model details", "Intended use"',
    );
    for (const field of repro?.require ?? []) expect(gate('repro')?.explanation).toContain(field);
    expect(gate('auc')?.explanation).toContain('no predictions file');
    const text = await runCli(
      [
        'check',
        '--policy',
        'policy.yaml',
        '--transition',
        'staging:production',
        '--evidence',
        'evidence',
      ],
      { cwd: dir },
    );
    expect(text.stdout).toContain('Documentation is incomplete: model_card lacks text under');

    // Text under every heading is all the documents gate asks for: the scaffold matches the gate.
    for (const name of docs.keys()) {
      const file = join(dir, 'evidence', `${name}.md`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^(## .*)$/gm, '$1\n\nWritten.'));
    }
    const filled = await checkScaffold(dir);
    expect(filled.report.gates.find((g) => g.gateId === 'documents')?.outcome).toBe('pass');
  });

  it('reports the documents of a policy that names no sections as empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-scaffold-'));
    expect(
      (await runCli(['init', '--template', 'fraud', '--output', join(dir, 'policy.yaml')])).status,
    ).toBe(0);
    const docs = [...requiredDocuments(template('fraud')).keys()];
    const { report } = await checkScaffold(dir);
    const documents = report.gates.find((g) => g.gateId === 'documents');
    expect(documents?.details.empty).toEqual(docs);
  });

  it('never overwrites evidence, and writes the policy alone with --no-evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-scaffold-'));
    const out = join(dir, 'policy.yaml');
    expect((await runCli(['init', '--template', 'credit-risk', '--output', out])).status).toBe(0);
    const other = join(dir, 'other.yaml');
    const refused = await runCli(['init', '--template', 'credit-risk', '--output', other]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('evidence/model_card.md already exists (and 5 more');
    expect(existsSync(other)).toBe(false);
    const alone = join(dir, 'alone', 'policy.yaml');
    expect(
      (await runCli(['init', '--template', 'credit-risk', '--output', alone, '--no-evidence']))
        .status,
    ).toBe(0);
    expect(readdirSync(join(dir, 'alone'))).toEqual(['policy.yaml']);
  });
});
