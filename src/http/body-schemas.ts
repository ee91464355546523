/** JSON Schemas of request bodies, parameters and composite responses. */
import { listOf, ref } from './record-schemas.js';

const open = { type: 'object', additionalProperties: true } as const;
const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;

export const registerModelBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'ownerTeam', 'policy'],
  properties: {
    name: nonEmpty,
    ownerTeam: nonEmpty,
    description: text,
    policy: { ...nonEmpty, description: 'The policy YAML text.' },
  },
} as const;

export const registerPolicyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: { text: nonEmpty, file: text },
} as const;

/**
 * The domain's `Lineage`: the fields the reproducibility gate and the trainer rule read, typed as
 * the domain types them, and any others kept as sent. Absent, the route registers `{}`.
 */
const lineage = {
  type: 'object',
  additionalProperties: true,
  properties: {
    codeCommit: text,
    dataSnapshotId: text,
    configDigest: text,
    seed: { type: ['number', 'string'] },
    trainingRunId: text,
    trainedBy: text,
    baseModel: text,
  },
} as const;

export const registerVersionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'artifactUri', 'artifactDigest'],
  properties: { version: nonEmpty, artifactUri: nonEmpty, artifactDigest: nonEmpty, lineage },
} as const;

export const requestTransitionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'version', 'to', 'reason'],
  properties: {
    model: nonEmpty,
    version: nonEmpty,
    to: nonEmpty,
    changeType: { type: 'string', enum: ['standard', 'emergency', 'experiment'] },
    reason: nonEmpty,
    ticket: text,
  },
} as const;

export const approvalBody = {
  type: 'object',
  additionalProperties: false,
  required: ['decision', 'role', 'comment', 'riskClass'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'reject'] },
    role: nonEmpty,
    comment: nonEmpty,
    ticket: text,
    riskClass: { type: 'string', enum: ['low', 'medium', 'high'] },
  },
} as const;

export const reasonBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: nonEmpty, ticket: text },
} as const;

const gateSummaries = {
  type: 'object',
  additionalProperties: true,
  properties: { outcome: text, gates: { type: 'array', items: open } },
} as const;

export const replaySchema = {
  type: 'object',
  additionalProperties: true,
  required: ['decisionId', 'reproduced', 'differences'],
  properties: {
    decisionId: text,
    reproduced: { type: 'boolean' },
    policyIntact: { type: 'boolean' },
    evidenceIntact: { type: 'boolean' },
    original: gateSummaries,
    replayed: gateSummaries,
    differences: { type: 'array', items: text },
  },
} as const;

export const requestOutcomeSchema = {
  type: 'object',
  required: ['request', 'decision'],
  properties: {
    request: ref('TransitionRequest'),
    decision: ref('DecisionRecord'),
    demoted: { type: 'string', description: 'The version demoted from production, if any.' },
  },
} as const;

export const approvalOutcomeSchema = {
  type: 'object',
  required: ['approval', 'request', 'approvals'],
  properties: {
    approval: ref('Approval'),
    request: ref('TransitionRequest'),
    approvals: {
      type: 'object',
      additionalProperties: true,
      description: 'How approvals count now: satisfied, counted, ignored (and why), missing.',
      properties: { satisfied: { type: 'boolean' } },
    },
  },
} as const;

export const rollbackSchema = {
  type: 'object',
  properties: { from: text, to: text },
} as const;

export const requestDetailSchema = {
  type: 'object',
  required: ['request', 'approvals', 'status'],
  properties: {
    request: ref('TransitionRequest'),
    approvals: listOf('Approval'),
    status: {
      type: 'object',
      additionalProperties: true,
      description: 'How approvals count now: satisfied, counted, ignored (and why), missing.',
      properties: { satisfied: { type: 'boolean' } },
    },
  },
} as const;

export const inboxSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['request', 'roles'],
    properties: { request: ref('TransitionRequest'), roles: { type: 'array', items: text } },
  },
} as const;

export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: nonEmpty },
} as const;
export const versionParams = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: nonEmpty, version: nonEmpty },
} as const;
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: nonEmpty },
} as const;
