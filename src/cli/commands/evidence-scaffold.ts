/**
 * The evidence bundle `clearance init` scaffolds beside a policy (the source document's "model
 * card and evaluation bundle template your team can reuse"): one Markdown file per document the
 * policy's documents gates require, with exactly the sections they require as empty headings; a
 * lineage file with the fields its reproducibility gates require, blank; and a guide to producing
 * the predictions file and the rest. Untouched, it fails `clearance check` naming each gap.
 */
import type { DocumentRequirement, GateSpec, LineageField, Policy } from '../../domain/index.js';

export interface ScaffoldFile {
  /** Relative to the evidence directory, or (the guide) to the policy's directory. */
  path: string;
  text: string;
}

const allGates = (policy: Policy): GateSpec[] => policy.transitions.flatMap((t) => t.gates);

/** Every document the policy requires anywhere, with the union of its required sections. */
function requiredDocuments(policy: Policy): DocumentRequirement[] {
  const byName = new Map<string, string[]>();
  for (const gate of allGates(policy)) {
    if (gate.type !== 'documents') continue;
    for (const { name, sections } of gate.require) {
      const known = byName.get(name) ?? [];
      for (const s of sections) if (!known.includes(s)) known.push(s);
      byName.set(name, known);
    }
  }
  return [...byName].map(([name, sections]) => ({ name, sections }));
}

const title = (name: string) => {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * A document with its required sections as empty headings. With sections, one line under the
 * title (so the gate lists the empty sections rather than calling the file empty); without, only
 * the title, which the gate reports as an empty document.
 */
function documentText(doc: DocumentRequirement): string {
  if (doc.sections.length === 0) return `# ${title(doc.name)}\n`;
  const sections = doc.sections.map((s) => `## ${s}\n`).join('\n');
  return `# ${title(doc.name)}\n\nWrite under every heading below; \`clearance check\` names each one still empty.\n\n${sections}`;
}

const lineageOrder: LineageField[] = ['codeCommit', 'dataSnapshotId', 'configDigest', 'seed'];

function lineageText(policy: Policy): string {
  const required = new Set<string>();
  for (const gate of allGates(policy))
    if (gate.type === 'reproducibility') for (const f of gate.require) required.add(f);
  const fields = [
    ...lineageOrder.filter((f) => required.has(f)),
    ...[...required].filter((f) => !lineageOrder.includes(f as LineageField)),
    'trainingRunId',
    'trainedBy',
  ];
  return `${JSON.stringify(Object.fromEntries(fields.map((f) => [f, ''])), null, 2)}\n`;
}

function predictionsGuide(policy: Policy, evidenceDir: string): string[] {
  const set = policy.evaluationSet;
  const gates = allGates(policy);
  const groups = [...new Set(gates.flatMap((g) => (g.type === 'fairness' ? [g.attribute] : [])))];
  const baseline = gates.some((g) => g.type === 'baseline');
  if (!set)
    return [
      'This policy names no evaluation set, so its gates read no predictions file; see',
      'docs/reference/evidence.md in the Clearance source repository for the files its gates read.',
    ];
  const columns = [
    ...(set.id_column ? [`\`${set.id_column}\` (row id)`] : []),
    `\`${set.label}\` (true label, 0/1)`,
    `\`${set.score}\` (the model's score; higher means more likely 1)`,
    ...groups.map((g) => `\`${g}\` (for the fairness gates)`),
  ];
  const lines = [
    `\`${evidenceDir}/predictions.csv\` (or \`.jsonl\`, \`.parquet\`): one row per row of the locked`,
    `evaluation set \`${set.id}\`, scored by this version, with the columns ${columns.join(', ')}.`,
    `A row counts as predicted positive when its score is at least ${set.decisionThreshold}.`,
    '',
    '```python',
    'import pandas as pd',
    `rows = pd.read_parquet("${set.id}.parquet")          # the locked evaluation set`,
    `rows["${set.score}"] = model.predict_proba(rows[features])[:, 1]`,
    `rows[[${[set.id_column, set.label, set.score, ...groups]
      .filter((c) => c !== undefined)
      .map((c) => `"${c}"`)
      .join(', ')}]].to_csv("${evidenceDir}/predictions.csv", index=False)`,
    '```',
  ];
  if (baseline)
    lines.push(
      '',
      "The baseline gates compare with production on the same rows: keep the production version's",
      `predictions of the same set (same columns) in its own directory and pass it as \`--baseline\`.`,
    );
  return lines;
}

interface GuideInput {
  policy: Policy;
  policyFile: string;
  evidenceDir: string;
  files: readonly ScaffoldFile[];
}

function guideText({ policy, policyFile, evidenceDir, files }: GuideInput): string {
  const gates = allGates(policy);
  const security = gates.some((g) => g.type === 'security');
  // The transition the documents are asked for (else the one to production): the one to check.
  const transition =
    policy.transitions.find((t) => t.gates.some((g) => g.type === 'documents')) ??
    policy.transitions.find((t) => t.to === 'production') ??
    policy.transitions[0];
  const baseline = transition?.gates.some((g) => g.type === 'baseline')
    ? ' --baseline PRODUCTION_EVIDENCE'
    : '';
  const check = `clearance check --policy ${policyFile} --transition ${transition ? `${transition.from}:${transition.to}` : 'FROM:TO'} --evidence ${evidenceDir}${baseline}`;
  return [
    `# Evidence for ${policy.metadata.name}`,
    '',
    `\`${evidenceDir}/\` is the evidence bundle of one model version, scaffolded by \`clearance init\``,
    'from the policy: fill it in, run `clearance check`, then attach it with',
    '`clearance evidence attach MODEL VERSION ' +
      `${evidenceDir}\`. Untouched, \`check\` names every gap.`,
    '',
    '## What to fill in',
    '',
    ...files.map((f) =>
      f.path === 'lineage.json'
        ? '- `lineage.json`: the training code commit, data snapshot id, config digest (`sha256:…`), seed, training run and who trained it (who trained a version may not approve it).'
        : `- \`${f.path}\`: text under each heading.`,
    ),
    ...(security
      ? [
          '- `sbom.cdx.json` (CycloneDX) or `sbom.spdx.json`: the bill of materials of the model image, e.g. from `syft` or `cyclonedx-py`; `data_fields.json` lists the input fields (checked for undeclared personal data).',
        ]
      : []),
    '',
    '## The predictions file',
    '',
    ...predictionsGuide(policy, evidenceDir),
    '',
    '## Check it',
    '',
    '```sh',
    check,
    '```',
    '',
    'Every file and format: docs/reference/evidence.md in the Clearance source repository.',
    '',
  ].join('\n');
}

/** The bundle's files (relative to the evidence directory) and the guide (beside the policy). */
export function evidenceScaffold(input: {
  policy: Policy;
  policyFile: string;
  evidenceDir: string;
}): { files: ScaffoldFile[]; guide: ScaffoldFile } {
  const { policy } = input;
  const files: ScaffoldFile[] = requiredDocuments(policy).map((doc) => ({
    path: `${doc.name}.md`,
    text: documentText(doc),
  }));
  if (allGates(policy).some((g) => g.type === 'reproducibility'))
    files.push({ path: 'lineage.json', text: lineageText(policy) });
  return {
    files,
    guide: { path: 'EVIDENCE-GUIDE.md', text: guideText({ ...input, files }) },
  };
}
