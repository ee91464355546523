/** JSON Schemas of the webhook subscription routes (request bodies and replies). */
import { notificationEventTypes } from '../domain/index.js';

const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const eventsSchema = {
  description: 'Event types, or "*" for every type.',
  anyOf: [
    { type: 'string', enum: ['*'] },
    { type: 'array', minItems: 1, items: { type: 'string', enum: notificationEventTypes } },
  ],
} as const;
const modelsSchema = {
  type: 'array',
  minItems: 1,
  items: nonEmpty,
  description: 'Model names; "*" matches any run of characters. Absent: every model.',
} as const;

export const createWebhookBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { ...nonEmpty, description: 'Where deliveries are POSTed; checked against SSRF.' },
    description: text,
    events: eventsSchema,
    models: modelsSchema,
  },
} as const;

export const updateWebhookBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: nonEmpty,
    description: text,
    events: eventsSchema,
    models: { anyOf: [modelsSchema, { type: 'null' }], description: 'null: every model.' },
    enabled: {
      type: 'boolean',
      description: 'true re-enables a disabled subscription and resets its failure count.',
    },
  },
} as const;

export const webhookSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'url',
    'events',
    'secrets',
    'enabled',
    'consecutiveFailures',
    'createdAt',
    'createdBy',
    'updatedAt',
  ],
  properties: {
    id: text,
    url: text,
    description: text,
    events: {
      description: 'Event types, or "*" for every type.',
      anyOf: [
        { type: 'string', enum: ['*'] },
        { type: 'array', items: text },
      ],
    },
    models: { type: 'array', items: text },
    secrets: {
      type: 'array',
      description:
        'When each valid secret was made and, during a rotation, when the old one stops signing. Never the secrets.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['createdAt'],
        properties: { createdAt: text, expiresAt: text },
      },
    },
    enabled: { type: 'boolean' },
    disabledAt: text,
    disabledReason: text,
    consecutiveFailures: { type: 'integer' },
    createdAt: text,
    createdBy: text,
    updatedAt: text,
  },
} as const;

export const webhookListSchema = { type: 'array', items: webhookSchema } as const;

export const webhookWithSecretSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['subscription', 'secret'],
  properties: {
    subscription: webhookSchema,
    secret: {
      type: 'string',
      description: 'The `whsec_` signing secret: shown in this response only.',
    },
  },
} as const;

const attemptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['attempt', 'at', 'outcome', 'durationMs'],
  properties: {
    attempt: { type: 'integer' },
    at: text,
    outcome: { type: 'string', enum: ['delivered', 'retrying', 'failed'] },
    statusCode: { type: 'integer' },
    error: text,
    durationMs: { type: 'integer' },
    nextAttemptAt: text,
  },
} as const;

export const deliverySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['eventId', 'target', 'status', 'attempts', 'createdAt'],
  properties: {
    eventId: text,
    eventType: text,
    target: text,
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    nextAttemptAt: text,
    lastStatusCode: { type: 'integer' },
    lastError: text,
    firstAttemptAt: text,
    lastAttemptAt: text,
    lastDurationMs: { type: 'integer' },
    deliveredAt: text,
    createdAt: text,
    attemptLog: { type: 'array', items: attemptSchema },
  },
} as const;

/** A delivery as the log lists it: always with its attempts (a redelivery's reply has none). */
const deliveryLogEntrySchema = {
  ...deliverySchema,
  required: [...deliverySchema.required, 'attemptLog'],
} as const;

export const deliveryListSchema = { type: 'array', items: deliveryLogEntrySchema } as const;

export const deliveriesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
} as const;

export const deliveryParams = {
  type: 'object',
  required: ['id', 'eventId'],
  properties: { id: nonEmpty, eventId: nonEmpty },
} as const;
