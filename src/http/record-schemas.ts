/**
 * JSON Schemas of the records routes return (OpenAPI components): Fastify validates requests with them, serialises
 * responses with them, and @fastify/swagger publishes them in the OpenAPI document. Records keep
 * `additionalProperties: true` so fields the domain adds later are not silently dropped. Closed
 * sets of names carry the domain's own lists as enums, and fields the domain always sets are
 * required, so the types generated from the document (src/cli/registry/openapi.d.ts) are the
 * domain's types and the remote registry needs no casts.
 */

import {
  approvalDecisions,
  changeTypes,
  evidenceKinds,
  requestStatuses,
  riskClasses,
  riskTiers,
} from '../domain/index.js';
import { decisionSchemas } from './decision-schemas.js';

const open = { type: 'object', additionalProperties: true } as const;
const text = { type: 'string' } as const;

/**
 * The domain's `Lineage`: the fields the reproducibility gate and the trainer rule read, typed as
 * the domain types them, and any others kept as sent. Absent, the route registers `{}`.
 */
export const lineage = {
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

const problemSchema = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status', 'detail', 'code', 'problems'],
  properties: {
    type: text,
    title: text,
    status: { type: 'integer' },
    detail: text,
    instance: text,
    code: text,
    errorId: text,
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['message'],
        properties: { message: text, fix: text, location: open },
      },
    },
  },
} as const;

const modelSchema = {
  $id: 'Model',
  type: 'object',
  additionalProperties: true,
  required: ['name', 'ownerTeam', 'riskTier', 'policyDigest', 'createdAt', 'createdBy'],
  properties: {
    name: text,
    ownerTeam: text,
    riskTier: { type: 'string', enum: riskTiers },
    policyDigest: text,
    description: text,
    createdAt: text,
    createdBy: text,
  },
} as const;

const policySchema = {
  $id: 'PolicyRecord',
  type: 'object',
  additionalProperties: true,
  required: ['digest', 'name', 'registeredAt', 'registeredBy'],
  properties: { digest: text, name: text, text, registeredAt: text, registeredBy: text },
} as const;

/** A version's own fields, in the order a `Version` record carries them. */
const versionOwnProperties = {
  model: text,
  version: text,
  artifactUri: text,
  artifactDigest: text,
  lineage,
  createdAt: text,
  createdBy: text,
} as const;

const versionSchema = {
  $id: 'Version',
  type: 'object',
  additionalProperties: true,
  required: [
    'model',
    'version',
    'artifactUri',
    'artifactDigest',
    'lineage',
    'createdAt',
    'createdBy',
    'state',
    'stateSince',
  ],
  properties: { ...versionOwnProperties, state: text, stateSince: text },
} as const;

const evidenceSchema = {
  $id: 'Evidence',
  type: 'object',
  additionalProperties: true,
  required: [
    'model',
    'version',
    'kind',
    'path',
    'digest',
    'size',
    'mediaType',
    'attachedAt',
    'attachedBy',
  ],
  properties: {
    model: text,
    version: text,
    kind: { type: 'string', enum: evidenceKinds },
    path: text,
    digest: text,
    size: { type: 'integer' },
    mediaType: text,
    attachedAt: text,
    attachedBy: text,
  },
} as const;

const requestSchema = {
  $id: 'TransitionRequest',
  type: 'object',
  additionalProperties: true,
  required: [
    'id',
    'model',
    'version',
    'from',
    'to',
    'changeType',
    'reason',
    'requestedBy',
    'requestedAt',
    'status',
    'policyDigest',
    'evidenceDigest',
  ],
  properties: {
    id: text,
    model: text,
    version: text,
    from: text,
    to: text,
    changeType: { type: 'string', enum: changeTypes },
    reason: text,
    ticket: text,
    requestedBy: text,
    requestedAt: text,
    status: { type: 'string', enum: requestStatuses },
    policyDigest: text,
    evidenceDigest: text,
    decisionId: text,
    closedAt: text,
    closedBy: text,
    closeReason: text,
    bypassExpiresAt: text,
    reviewDueAt: text,
  },
} as const;

const approvalSchema = {
  $id: 'Approval',
  type: 'object',
  additionalProperties: true,
  required: [
    'id',
    'requestId',
    'approver',
    'role',
    'decision',
    'comment',
    'riskClass',
    'evidenceDigest',
    'policyDigest',
    'at',
  ],
  properties: {
    id: text,
    requestId: text,
    approver: text,
    role: text,
    decision: { type: 'string', enum: approvalDecisions },
    comment: text,
    ticket: text,
    riskClass: { type: 'string', enum: riskClasses },
    evidenceDigest: text,
    policyDigest: text,
    baselineDigest: {
      type: ['string', 'null'],
      description:
        'Evidence digest of the baseline (production) version the gates compared with when it was given; null when they read none. Absent on approvals from before migration 0007, which no longer count.',
    },
    at: text,
  },
} as const;

const servingSchema = {
  $id: 'ServingView',
  type: 'object',
  additionalProperties: true,
  required: ['model'],
  properties: {
    model: text,
    production: {
      type: 'object',
      additionalProperties: true,
      required: ['version', 'since'],
      properties: { version: text, since: text },
    },
    canary: {
      type: 'object',
      additionalProperties: true,
      required: ['version', 'traffic', 'since'],
      properties: { version: text, traffic: { type: 'number' }, since: text },
    },
    rollbackTarget: {
      type: 'object',
      additionalProperties: true,
      required: ['version'],
      properties: { version: text },
    },
  },
} as const;

const bindingProperties = {
  role: text,
  model: { type: 'string', description: 'Absent: the role holds for every model.' },
} as const;

const roleBindingSchema = {
  $id: 'RoleBinding',
  type: 'object',
  required: ['role'],
  properties: bindingProperties,
} as const;

const userSchema = {
  $id: 'User',
  type: 'object',
  additionalProperties: true,
  required: ['id', 'createdAt', 'createdBy'],
  properties: {
    id: text,
    displayName: text,
    team: text,
    email: text,
    createdAt: text,
    createdBy: text,
    disabledAt: {
      type: 'string',
      description: 'Set while the account is disabled: every credential of the user is refused.',
    },
    roles: { type: 'array', items: { $ref: 'RoleBinding#' } },
  },
} as const;

const roleGrantSchema = {
  $id: 'RoleGrant',
  type: 'object',
  additionalProperties: true,
  required: ['id', 'userId', 'role', 'grantedAt', 'grantedBy'],
  properties: { id: text, userId: text, ...bindingProperties, grantedAt: text, grantedBy: text },
} as const;

/** A token without its secret or hash: neither ever leaves the server after creation. */
const apiTokenSchema = {
  $id: 'ApiToken',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'userId', 'description', 'createdAt', 'createdBy'],
  properties: {
    id: text,
    userId: text,
    description: text,
    createdAt: text,
    createdBy: text,
    expiresAt: text,
    revokedAt: text,
    revokedBy: text,
  },
} as const;

export const recordSchemas = [
  problemSchema,
  modelSchema,
  policySchema,
  versionSchema,
  evidenceSchema,
  requestSchema,
  approvalSchema,
  servingSchema,
  ...decisionSchemas,
  roleBindingSchema,
  userSchema,
  roleGrantSchema,
  apiTokenSchema,
] as const;

type RecordId = (typeof recordSchemas)[number]['$id'];

// Generic, so each `$ref` keeps its one id and the type provider resolves it to that schema.
export const ref = <Id extends RecordId>(id: Id) => ({ $ref: `${id}#` }) as const;
export const listOf = <Id extends RecordId>(id: Id) => ({ type: 'array', items: ref(id) }) as const;

const problemResponse = {
  description: 'RFC 9457 problem details.',
  content: { 'application/problem+json': { schema: ref('Problem') } },
} as const;

/** Every route answers refusals and bugs with problem details. */
export const errors = { '4xx': problemResponse, '5xx': problemResponse } as const;

export const idempotencyHeader = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      description: 'Repeating a POST with the same key (and body) replays the first response.',
    },
  },
} as const;
