/**
 * `reproducibility` gate: the lineage a rebuild needs is recorded and well-formed.
 */
import type { LineageField, ReproducibilityGateSpec } from '../domain/index.js';
import { formatList } from './format.js';
import type { GateEvaluator } from './gate.js';
import { errorResult, gateResult, missingEvidenceClause } from './result.js';

const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value.trim() !== '';

/**
 * What "well-formed" means per field. A git commit is SHA-1 or SHA-256 hex, abbreviated to no
 * fewer than 7 characters (git's own minimum); a config digest is `sha256:` + 64 hex (bare hex is
 * accepted because many tools print it that way); a seed is an integer (a digit string counts,
 * since lineage files written by shell scripts often quote it).
 */
const rules: Record<LineageField, { valid: (value: unknown) => boolean; expected: string }> = {
  codeCommit: {
    valid: (v) => typeof v === 'string' && /^[0-9a-f]{7,64}$/i.test(v),
    expected: '7 to 64 hex characters (a git commit SHA)',
  },
  dataSnapshotId: { valid: nonEmpty, expected: 'a non-empty identifier' },
  configDigest: {
    valid: (v) => typeof v === 'string' && /^(sha256:)?[0-9a-f]{64}$/i.test(v),
    expected: '"sha256:" followed by 64 hex characters',
  },
  seed: {
    valid: (v) =>
      (typeof v === 'number' && Number.isSafeInteger(v)) ||
      (typeof v === 'string' && /^-?\d{1,15}$/.test(v)),
    expected: 'an integer',
  },
  trainingRunId: { valid: nonEmpty, expected: 'a non-empty identifier' },
  trainedBy: { valid: nonEmpty, expected: 'a non-empty name' },
  baseModel: { valid: nonEmpty, expected: 'a non-empty model reference' },
};

/**
 * Passes when every required lineage field is present and well-formed; fails listing the missing
 * and malformed fields; errors when there is no readable lineage at all.
 */
export const reproducibilityGate: GateEvaluator<ReproducibilityGateSpec> = (spec, context) => {
  const threshold = `lineage has ${spec.require.join(', ')}`;
  const lineage = context.candidate.lineage;
  if (lineage === undefined) {
    const clause = missingEvidenceClause(context.candidate, 'lineage', 'lineage file');
    return errorResult(spec, {
      threshold,
      explanation: `Reproducibility cannot be checked: ${clause}.`,
      details: { required: spec.require },
    });
  }
  const missing: string[] = [];
  const malformed: { field: string; expected: string }[] = [];
  const fields: Record<string, unknown> = {};
  for (const field of spec.require) {
    const value = lineage[field];
    fields[field] = value ?? null;
    if (value === undefined || value === null || value === '') missing.push(field);
    else if (!rules[field].valid(value)) malformed.push({ field, expected: rules[field].expected });
  }
  const details = { required: spec.require, fields, missing, malformed };
  const present = spec.require.length - missing.length - malformed.length;
  const observed = `${present} of ${spec.require.length} fields valid`;
  if (missing.length === 0 && malformed.length === 0) {
    return gateResult(spec, {
      outcome: 'pass',
      observed,
      threshold,
      explanation: `The lineage records a well-formed ${formatList(spec.require)}.`,
      details,
    });
  }
  const problems = [
    ...(missing.length > 0 ? [`missing ${formatList(missing)}`] : []),
    ...malformed.map((m) => `${m.field} is malformed (expected ${m.expected})`),
  ];
  return gateResult(spec, {
    outcome: 'fail',
    observed,
    threshold,
    explanation: `The lineage cannot reproduce this version: ${problems.join('; ')}.`,
    details,
  });
};
