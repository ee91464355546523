/** JSON Schemas of request bodies, parameters and composite responses. */
import { maxArtifactUriBytes } from '../domain/index.js';
import { approvalEvaluationProperties, approvalEvaluationRequired } from './decision-schemas.js';
import { lineage, listOf, ref } from './record-schemas.js';

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

export const registerVersionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'artifactUri', 'artifactDigest'],
  properties: {
    version: nonEmpty,
    // Characters here; the use case bounds the UTF-8 bytes, as for every edge.
    artifactUri: { ...nonEmpty, maxLength: maxArtifactUriBytes },
    artifactDigest: nonEmpty,
    lineage,
  },
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
    rollout: {
      type: 'object',
      required: ['id', 'traffic'],
      description:
        'The canary the promotion started instead of a full switch, when its policy has a rollout.',
      properties: { id: { type: 'string' }, traffic: { type: 'number' } },
    },
  },
} as const;

export const approvalOutcomeSchema = {
  type: 'object',
  required: ['approval', 'request', 'approvals'],
  properties: {
    approval: ref('Approval'),
    request: ref('TransitionRequest'),
    approvals: ref('ApprovalEvaluation'),
  },
} as const;

export const rollbackSchema = {
  type: 'object',
  properties: { from: text, to: text },
} as const;

/** What an executed emergency change bypassed and what its post-incident review still owes. */
const emergencyReviewState = {
  type: 'object',
  required: [
    'executedUnderBypass',
    'bypassedGates',
    'reviewOverdue',
    'reviewComplete',
    'reviewOutcome',
    'requiredRoles',
    'signed',
  ],
  properties: {
    executedUnderBypass: { type: 'boolean' },
    bypassedGates: { type: 'array', items: text },
    bypassExpiresAt: text,
    reviewDueAt: text,
    reviewOverdue: { type: 'boolean' },
    reviewComplete: { type: 'boolean' },
    reviewOutcome: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    findings: { type: 'string' },
    requiredRoles: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'count'],
        properties: { role: text, count: { type: 'integer' } },
      },
    },
    signed: {
      type: 'array',
      items: {
        type: 'object',
        required: ['approver', 'role', 'decision', 'at'],
        properties: {
          approver: text,
          role: text,
          decision: { type: 'string', enum: ['approve', 'reject'] },
          at: text,
          ticket: text,
        },
      },
    },
  },
} as const;

export const requestDetailSchema = {
  type: 'object',
  required: ['request', 'approvals', 'status', 'actions'],
  properties: {
    request: ref('TransitionRequest'),
    approvals: listOf('Approval'),
    status: {
      type: 'object',
      additionalProperties: true,
      description:
        'How sign-offs count: satisfied, counted, ignored (and why), missing. `basis` says which: the approvals of an open request counted now (`approvals`); those the executing decision `decisionId` counted, from its record (`execution`, an executed request); or (an executed emergency change) its post-incident review, described in `emergency`.',
      required: [...approvalEvaluationRequired, 'basis'],
      properties: {
        ...approvalEvaluationProperties,
        basis: { type: 'string', enum: ['approvals', 'execution', 'post_incident_review'] },
        decisionId: {
          type: 'string',
          description: 'With `basis: execution`: the decision that executed the request.',
        },
        emergency: emergencyReviewState,
      },
    },
    actions: {
      type: 'object',
      description:
        'What the caller may do with the request now (the buttons a page shows); the actions themselves check again.',
      required: ['signAs', 'execute', 'cancel'],
      properties: {
        signAs: {
          type: 'array',
          items: { type: 'string' },
          description:
            'Roles the caller could approve or reject in now; for an executed emergency change, sign its post-incident review in.',
        },
        execute: {
          type: 'boolean',
          description: 'Open, its sign-offs in, and the caller may execute it.',
        },
        cancel: {
          type: 'boolean',
          description: 'Open, and the caller requested it or is an admin.',
        },
      },
    },
  },
} as const;

export const reviewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['decision', 'role', 'comment'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'reject'] },
    role: nonEmpty,
    comment: { ...nonEmpty, description: "The review's findings." },
    ticket: text,
    riskClass: {
      type: 'string',
      enum: ['low', 'medium', 'high'],
      description: 'Default high: an emergency change is high-risk.',
    },
  },
} as const;

export const reviewOutcomeSchema = {
  type: 'object',
  required: ['approval', 'review'],
  properties: {
    approval: ref('Approval'),
    review: ref('ApprovalEvaluation'),
  },
} as const;

export const requestsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: nonEmpty,
    version: nonEmpty,
    status: {
      type: 'array',
      items: {
        type: 'string',
        enum: ['pending', 'approved', 'executed', 'rejected', 'cancelled', 'expired'],
      },
      description: 'Only requests in these statuses (repeat the parameter for several).',
    },
  },
} as const;

export const reviewsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'string',
      enum: ['due', 'overdue', 'rejected', 'all'],
      default: 'due',
      description: 'due: not complete; overdue: past due and not complete; all.',
    },
  },
} as const;

export const reviewListSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: [
      'requestId',
      'model',
      'version',
      'requestedBy',
      'missing',
      ...emergencyReviewState.required,
    ],
    properties: {
      requestId: text,
      model: text,
      version: text,
      requestedBy: text,
      missing: {
        type: 'array',
        items: {
          type: 'object',
          required: ['role', 'needed'],
          properties: { role: text, needed: { type: 'integer' } },
        },
      },
      ...emergencyReviewState.properties,
    },
  },
} as const;

export const inboxSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['request', 'roles', 'decideBy'],
    properties: {
      request: ref('TransitionRequest'),
      roles: { type: 'array', items: text },
      decideBy: {
        type: 'string',
        description:
          "When the request expires undecided under its model's policy (`requests.expireAfter`, default 14 days)",
      },
    },
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
