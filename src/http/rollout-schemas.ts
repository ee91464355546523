/** JSON Schemas of the rollout routes: KPI batches, actions, and the rollout as shown. */

const nonEmpty = { type: 'string', minLength: 1 } as const;
const status = {
  type: 'string',
  enum: ['running', 'paused', 'rolled_back', 'completed', 'aborted'],
} as const;

/** Largest observation batch body; above it the answer is 413 and nothing is stored. */
export const observationBodyLimitBytes = 8 * 1024 * 1024;

const point = {
  type: 'object',
  additionalProperties: false,
  required: ['series', 'arm', 'at'],
  properties: {
    series: { ...nonEmpty, description: 'The series a trigger reads (`ctr`, `error_rate`, …).' },
    arm: { type: 'string', enum: ['candidate', 'control'] },
    at: { ...nonEmpty, description: 'RFC 3339: when it was measured; it counts in that window.' },
    successes: { type: 'integer', minimum: 0, description: 'Rate numerator (clicks, errors).' },
    trials: {
      type: 'integer',
      minimum: 0,
      description: 'Rate denominator (impressions, requests).',
    },
    values: {
      type: 'array',
      items: { type: 'number' },
      description: 'Raw values (latencies, scores); with `counts`, a histogram of exact values.',
    },
    counts: { type: 'array', items: { type: 'integer', minimum: 0 } },
  },
} as const;

export const observationBatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['batchId', 'points'],
  properties: {
    batchId: { ...nonEmpty, description: 'Unique per batch: a retry with the same id is a no-op.' },
    points: { type: 'array', items: point },
  },
} as const;

export const rolloutActionBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    reason: { type: 'string', description: 'Why; required to abort. Recorded in the audit entry.' },
    ticket: {
      type: 'string',
      description:
        "The change ticket; required to abort or promote when the promotion's transition requires one.",
    },
  },
} as const;

const rolloutAction = {
  type: 'object',
  required: ['action', 'by', 'at'],
  properties: {
    action: { type: 'string', enum: ['pause', 'resume', 'abort', 'promote'] },
    by: { type: 'string', description: 'Who acted.' },
    at: { type: 'string', description: 'When the audit entry was written.' },
    reason: { type: 'string' },
    ticket: { type: 'string' },
  },
} as const;

export const rolloutsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { ...status, description: 'Only rollouts in this status.' },
    model: nonEmpty,
  },
} as const;

const trigger = {
  type: 'object',
  required: [
    'metric',
    'series',
    'compare',
    'op',
    'threshold',
    'period',
    'decided',
    'recent',
    'consecutiveErrors',
  ],
  properties: {
    metric: { type: 'string' },
    series: { type: 'string' },
    compare: { type: 'string' },
    op: { type: 'string' },
    threshold: { type: 'number' },
    period: { type: 'string' },
    decided: { type: 'integer', description: 'Windows decided so far.' },
    recent: {
      type: 'array',
      items: { type: 'string', enum: ['pass', 'fail', 'inconclusive'] },
      description: 'Verdicts of the last N windows with data, oldest first.',
    },
    consecutiveErrors: { type: 'integer' },
  },
} as const;

export const rolloutSchema = {
  type: 'object',
  required: [
    'id',
    'model',
    'version',
    'requestId',
    'policyDigest',
    'status',
    'traffic',
    'step',
    'steps',
    'startedAt',
    'startedBy',
    'updatedAt',
    'evaluatedAt',
    'triggers',
  ],
  properties: {
    id: { type: 'string' },
    model: { type: 'string' },
    version: { type: 'string', description: 'The candidate (canary) version.' },
    controlVersion: { type: 'string', description: 'Production when it started (the control).' },
    requestId: { type: 'string' },
    policyDigest: { type: 'string' },
    status,
    traffic: { type: 'number', description: "The candidate's share of traffic now, in percent." },
    step: { type: 'integer' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['traffic', 'duration'],
        properties: { traffic: { type: 'number' }, duration: { type: 'string' } },
      },
    },
    pausedBy: { type: 'string', enum: ['inconclusive', 'manual'] },
    startedAt: { type: 'string' },
    startedBy: { type: 'string' },
    updatedAt: { type: 'string' },
    evaluatedAt: { type: 'string' },
    triggers: { type: 'array', items: trigger },
    actions: {
      type: 'array',
      items: rolloutAction,
      description:
        "People's pauses, resumes, aborts and promotions with their reasons and tickets, oldest first (GET /rollouts/{id} and the actions' answers).",
    },
  },
} as const;

export const rolloutListSchema = { type: 'array', items: rolloutSchema } as const;

export const ingestResultSchema = {
  type: 'object',
  required: ['batchId', 'accepted', 'duplicate', 'rollout'],
  properties: {
    batchId: { type: 'string' },
    accepted: { type: 'integer', description: 'Points stored by this call.' },
    duplicate: { type: 'boolean', description: 'The batch was stored before; nothing was added.' },
    rollout: rolloutSchema,
  },
} as const;

export const rolloutTimelineSchema = {
  type: 'object',
  required: ['rolloutId', 'actions', 'windows', 'events'],
  properties: {
    rolloutId: { type: 'string' },
    actions: {
      type: 'array',
      description: 'The manual actions the caller may take now (its roles and the status allow).',
      items: { type: 'string', enum: ['pause', 'resume', 'abort', 'promote'] },
    },
    windows: {
      type: 'array',
      description: 'Each decided window of each trigger, oldest first (rollout.window_decided).',
      items: {
        type: 'object',
        required: [
          'seq',
          'metric',
          'window',
          'verdict',
          'basis',
          'observed',
          'op',
          'threshold',
          'explanation',
          'decidedAt',
        ],
        properties: {
          seq: { type: 'integer', description: 'The audit entry that records it.' },
          metric: { type: 'string' },
          window: {
            type: 'object',
            required: ['index', 'start', 'end'],
            description: 'Bounds in milliseconds since the epoch.',
            properties: {
              index: { type: 'integer' },
              start: { type: 'number' },
              end: { type: 'number' },
            },
          },
          verdict: { type: 'string' },
          basis: { type: 'string' },
          observed: {
            type: 'object',
            additionalProperties: true,
            description: 'statistic, value, candidate, control, estimate, interval, samples.',
          },
          op: { type: 'string' },
          threshold: { type: 'number' },
          explanation: { type: 'string' },
          decidedAt: { type: 'string' },
        },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['seq', 'action', 'at', 'actor'],
        properties: {
          seq: { type: 'integer' },
          action: { type: 'string' },
          at: { type: 'string' },
          actor: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
  },
} as const;
