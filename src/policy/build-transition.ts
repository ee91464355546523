import {
  type GateSpec,
  type GateType,
  gateTypes,
  type TransitionPolicy,
} from '../domain/policy.js';
import { buildRollout } from './build-rollout.js';
import { closestMatch } from './closest-match.js';
import { describePath } from './describe-path.js';
import { gateSchemas } from './gate-schemas.js';
import { transitionSchema } from './policy-schema.js';
import { compact, type ProblemCollector } from './problem-collector.js';
import type { DataPath } from './source-map.js';
import { show, valueAt } from './zod-problems.js';

/** A parsed transition, with where each of its gates came from for later messages. */
export interface DraftTransition {
  index: number;
  transition: TransitionPolicy;
  /** Input path of each entry in `transition.gates` (the `documents:` shorthand for its gate). */
  gatePaths: DataPath[];
  /** False when some gate failed to parse, so cross-references to gate ids must not be judged. */
  complete: boolean;
}

export function buildTransition(c: ProblemCollector, index: number): DraftTransition | undefined {
  const path: DataPath = ['transitions', index];
  const raw = c.parse(transitionSchema, path);
  const gates: GateSpec[] = [];
  const gatePaths: DataPath[] = [];
  const rawGates = valueAt(c.root, [...path, 'gates']);
  const gateCount = Array.isArray(rawGates) ? rawGates.length : 0;
  let complete = raw !== undefined;
  for (let g = 0; g < gateCount; g++) {
    const gatePath = [...path, 'gates', g];
    const gate = buildGate(c, gatePath);
    if (gate) {
      gates.push(gate);
      gatePaths.push(gatePath);
    } else complete = false;
  }
  if (!raw) return undefined;

  if (raw.documents) {
    const documentsPath = [...path, 'documents'];
    if (gates.some((gate) => gate.id === 'documents')) {
      c.error(
        documentsPath,
        `${describePath(path)} lists documents: and also has a gate with id 'documents'.`,
        "Move the documents into that gate's require: list, or rename the gate.",
      );
    } else {
      gates.push({ id: 'documents', type: 'documents', require: raw.documents });
      gatePaths.push(documentsPath);
    }
  }

  const required = raw.approvals.reduce((sum, approval) => sum + approval.count, 0);
  const { minDistinctApprovers, ...duties } = raw.separationOfDuties;
  if (minDistinctApprovers !== undefined && minDistinctApprovers > required) {
    c.error(
      [...path, 'separationOfDuties', 'minDistinctApprovers'],
      `${describePath([...path, 'separationOfDuties', 'minDistinctApprovers'])} is ${minDistinctApprovers}, but the transition asks for only ${required} approval(s), so it can never be met.`,
      'Add approvals (or raise a count) or lower minDistinctApprovers.',
    );
  }

  const rollout = raw.rollout && buildRollout(c, raw.rollout, [...path, 'rollout']);

  const transition: TransitionPolicy = {
    from: raw.from,
    to: raw.to,
    requestedBy: raw.requestedBy,
    gates,
    approvals: raw.approvals,
    separationOfDuties: { ...duties, minDistinctApprovers: minDistinctApprovers ?? required },
    ticket: compact(raw.ticket),
    reasonRequired: raw.reason.required,
    ...(raw.approvalExpiresAfter !== undefined && {
      approvalExpiresAfter: raw.approvalExpiresAfter,
    }),
    ...(rollout && { rollout }),
  };
  return { index, transition, gatePaths, complete };
}

function buildGate(c: ProblemCollector, path: DataPath): GateSpec | undefined {
  const raw = valueAt(c.root, path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    c.error(
      path,
      `${describePath(path)} must be a mapping with id: and type:, not ${show(raw)}.`,
      'Write the gate as { id: …, type: …, … }.',
    );
    return undefined;
  }
  const type: unknown = (raw as Record<string, unknown>).type;
  if (!gateTypes.includes(type as GateType)) {
    const suggestion = typeof type === 'string' ? closestMatch(type, gateTypes) : undefined;
    const missing = type === undefined;
    c.error(
      missing ? path : [...path, 'type'],
      missing
        ? `Missing required key 'type' in ${describePath(path)}.`
        : `Unknown gate type ${typeof type === 'string' ? `'${type}'` : String(type)} in ${describePath(path)}${suggestion ? `; did you mean '${suggestion}'?` : '.'}`,
      `Use one of the gate types: ${gateTypes.join(', ')}.`,
    );
    return undefined;
  }
  return parseGate(c, type as GateType, path);
}

function parseGate(c: ProblemCollector, type: GateType, path: DataPath): GateSpec | undefined {
  switch (type) {
    case 'metric':
      return optional(c.parse(gateSchemas.metric, path), compact);
    case 'baseline':
      return optional(c.parse(gateSchemas.baseline, path), compact);
    case 'fairness':
      return optional(c.parse(gateSchemas.fairness, path), compact);
    case 'robustness':
      return optional(c.parse(gateSchemas.robustness, path), compact);
    case 'reproducibility':
      return optional(c.parse(gateSchemas.reproducibility, path), (gate) =>
        compact({ ...gate, require: [...new Set(gate.require)] }),
      );
    case 'security':
      return optional(c.parse(gateSchemas.security, path), (gate) =>
        compact({
          ...gate,
          licenses: optional(gate.licenses, compact),
          pii: optional(gate.pii, compact),
          vulnerabilities: optional(gate.vulnerabilities, compact),
        }),
      );
    case 'documents':
      return optional(c.parse(gateSchemas.documents, path), compact);
    case 'expression':
      return optional(c.parse(gateSchemas.expression, path), compact);
  }
}

function optional<In, Out>(value: In | undefined, map: (value: In) => Out): Out | undefined {
  return value === undefined ? undefined : map(value);
}
