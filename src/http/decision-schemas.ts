/**
 * JSON Schemas of the decision record and the sign-off evaluation (OpenAPI components, added to
 * the record schemas): the service's own enums, every field it always sets required, integers as
 * integers, objects open (`additionalProperties: true`) so a field added later is sent, not
 * dropped. The remote registry reads these replies as the domain's types with no cast.
 */
import { ignoredWhys } from '../domain/approval-rules.js';
import {
  changeTypes,
  decisionKinds,
  decisionOutcomes,
  evidenceKinds,
  gateOutcomes,
  gateProvenances,
  gateTypes,
} from '../domain/index.js';

const open = { type: 'object', additionalProperties: true } as const;
const text = { type: 'string' } as const;
const texts = { type: 'array', items: text } as const;
const count = { type: 'integer', minimum: 0 } as const;
// `ref` in record-schemas.ts checks ids against the collected schemas, which include these.
const listOfIds = <Id extends string>(id: Id) =>
  ({ type: 'array', items: { $ref: `${id}#` } }) as const;

/** One file of evidence as a decision names it (`EvidenceItem`). */
const evidenceItemSchema = {
  $id: 'EvidenceItem',
  type: 'object',
  additionalProperties: true,
  required: ['kind', 'path', 'digest', 'size'],
  properties: {
    kind: { type: 'string', enum: evidenceKinds },
    path: text,
    digest: text,
    size: count,
  },
} as const;

const gateResultSchema = {
  $id: 'GateResult',
  type: 'object',
  additionalProperties: true,
  required: ['gateId', 'type', 'outcome', 'observed', 'threshold', 'explanation', 'details'],
  properties: {
    gateId: text,
    type: { type: 'string', enum: gateTypes },
    outcome: { type: 'string', enum: gateOutcomes },
    observed: {
      type: ['number', 'string', 'null'],
      description: 'What was measured: a number, a short text, or null when not measurable.',
    },
    threshold: text,
    explanation: text,
    details: { ...open, description: 'Every number behind the result.' },
    provenance: { type: 'string', enum: gateProvenances },
    bypassed: { type: 'boolean' },
  },
} as const;

/** A role and how many approvals in it a policy asks for. */
const approvalRequirementSchema = {
  $id: 'ApprovalRequirement',
  type: 'object',
  additionalProperties: true,
  required: ['role', 'count'],
  properties: { role: text, count },
} as const;

const decisionSchema = {
  $id: 'DecisionRecord',
  type: 'object',
  additionalProperties: true,
  required: [
    'id',
    'kind',
    'model',
    'version',
    'from',
    'to',
    'changeType',
    'policyDigest',
    'evidenceDigest',
    'evidence',
    'bypass',
    'approvalsCounted',
    'gates',
    'outcome',
    'reasons',
    'at',
  ],
  properties: {
    id: text,
    kind: { type: 'string', enum: decisionKinds },
    requestId: text,
    model: text,
    version: text,
    from: text,
    to: text,
    changeType: { type: 'string', enum: changeTypes },
    policyDigest: text,
    evidenceDigest: text,
    evidence: listOfIds('EvidenceItem'),
    baseline: {
      type: 'object',
      additionalProperties: true,
      description: 'The production version the gates compared with, when they read one.',
      required: ['version', 'evidenceDigest', 'evidence'],
      properties: { version: text, evidenceDigest: text, evidence: listOfIds('EvidenceItem') },
    },
    bypass: { ...texts, description: 'Gates an emergency change bypassed.' },
    approvalsCounted: listOfIds('Approval'),
    signOff: {
      type: 'object',
      additionalProperties: true,
      description:
        "An emergency's transition decision: the sign-offs it demanded (`anyOne`: one approval in any of the roles).",
      required: ['approvals', 'anyOne'],
      properties: { approvals: listOfIds('ApprovalRequirement'), anyOne: { type: 'boolean' } },
    },
    gates: listOfIds('GateResult'),
    outcome: { type: 'string', enum: decisionOutcomes },
    reasons: texts,
    at: text,
  },
} as const;

/**
 * How sign-offs count (`ApprovalEvaluation`): the properties are shared with a request's status,
 * which adds its basis to them.
 */
export const approvalEvaluationRequired = [
  'satisfied',
  'counted',
  'ignored',
  'missing',
  'distinctApprovers',
  'minDistinctApprovers',
] as const;

export const approvalEvaluationProperties = {
  satisfied: { type: 'boolean' },
  counted: listOfIds('Approval'),
  ignored: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: true,
      required: ['approval', 'why'],
      properties: { approval: { $ref: 'Approval#' }, why: { type: 'string', enum: ignoredWhys } },
    },
  },
  missing: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: true,
      required: ['role', 'needed'],
      properties: { role: text, needed: count },
    },
  },
  distinctApprovers: { ...count, description: 'Distinct people among the counted approvals.' },
  minDistinctApprovers: { ...count, description: 'How many the two-person rule needs.' },
  rejection: { $ref: 'Approval#' },
} as const;

const approvalEvaluationSchema = {
  $id: 'ApprovalEvaluation',
  type: 'object',
  additionalProperties: true,
  description: 'How sign-offs count now: satisfied, counted, ignored (and why), missing.',
  required: approvalEvaluationRequired,
  properties: approvalEvaluationProperties,
} as const;

export const decisionSchemas = [
  evidenceItemSchema,
  gateResultSchema,
  approvalRequirementSchema,
  decisionSchema,
  approvalEvaluationSchema,
] as const;
