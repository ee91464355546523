/**
 * `documents` gate: required documents are present and their required sections are non-empty.
 */
import {
  type DocumentsGateSpec,
  type EvidenceDocument,
  type EvidenceProblem,
  formatProblem,
} from '../domain/index.js';
import { formatList } from './format.js';
import type { GateEvaluator } from './gate.js';
import { errorResult, gateResult } from './result.js';

/**
 * The same normalisation the evidence reader applies to headings (`Intended use` →
 * `intended_use`), so a policy may write either form.
 */
export function normaliseHeading(heading: string): string {
  return heading
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function isEmptyDocument(doc: EvidenceDocument): boolean {
  const hasText = Object.values(doc.sections).some((text) => text.trim() !== '');
  return !hasText && Object.keys(doc.frontMatter).length === 0;
}

function emptySections(doc: EvidenceDocument, required: readonly string[]): string[] {
  const sections = new Map<string, string>();
  for (const [heading, text] of Object.entries(doc.sections)) {
    sections.set(normaliseHeading(heading), text);
  }
  return required.filter((s) => (sections.get(normaliseHeading(s)) ?? '').trim() === '');
}

/**
 * Reading problems for a document kind: reported under that kind, or as a generic `document`
 * whose file name carries the kind (`docs/model_card.md`).
 */
function documentProblems(problems: readonly EvidenceProblem[], kind: string): string[] {
  return problems
    .filter((p) => p.kind === kind || (p.kind === 'document' && p.location?.file.includes(kind)))
    .map((p) => formatProblem(p));
}

/**
 * Passes when every required document exists, is not empty and has each required section with
 * text under it; fails listing what is missing; errors when a required document could not be read.
 */
export const documentsGate: GateEvaluator<DocumentsGateSpec> = (spec, context) => {
  const threshold = `present: ${spec.require.map((r) => r.name).join(', ')}`;
  const unreadable: string[] = [];
  const missing: string[] = [];
  const emptyDocs: string[] = [];
  const missingSections: Record<string, string[]> = {};
  for (const requirement of spec.require) {
    const problems = documentProblems(context.candidate.problems, requirement.name);
    const doc = context.candidate.documents[requirement.name];
    if (problems.length > 0) unreadable.push(`${requirement.name} (${problems.join('; ')})`);
    else if (doc === undefined) missing.push(requirement.name);
    else if (isEmptyDocument(doc)) emptyDocs.push(requirement.name);
    else {
      const empty = emptySections(doc, requirement.sections);
      if (empty.length > 0) missingSections[requirement.name] = empty;
    }
  }
  const details = {
    required: spec.require,
    unreadable,
    missing,
    empty: emptyDocs,
    missingSections,
  };
  if (unreadable.length > 0) {
    return errorResult(spec, {
      threshold,
      explanation: `Required documents could not be read: ${unreadable.join('; ')}.`,
      details,
    });
  }
  const gaps = [
    ...(missing.length > 0 ? [`missing ${formatList(missing)}`] : []),
    ...(emptyDocs.length > 0 ? [`empty ${formatList(emptyDocs)}`] : []),
    ...Object.entries(missingSections).map(
      ([doc, sections]) => `${doc} lacks text under ${formatList(sections.map((s) => `"${s}"`))}`,
    ),
  ];
  const total = spec.require.length;
  const complete = total - missing.length - emptyDocs.length - Object.keys(missingSections).length;
  return gateResult(spec, {
    outcome: gaps.length === 0 ? 'pass' : 'fail',
    observed: `${complete} of ${total} documents complete`,
    threshold,
    explanation:
      gaps.length === 0
        ? `All required documents are present with their required sections: ${formatList(spec.require.map((r) => r.name))}.`
        : `Documentation is incomplete: ${gaps.join('; ')}.`,
    details,
  });
};
