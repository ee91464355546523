/** The audit log: signed checkpoints, entries, inclusion and consistency proofs, model history. */
import { nameParams } from './body-schemas.js';
import { principalOf } from './http-hooks.js';
import { errors, ref } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const open = { type: 'object', additionalProperties: true } as const;
const text = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const nullableText = { type: ['string', 'null'] } as const;
const hashes = { type: 'array', items: text, description: 'Base64 SHA-256 hashes.' } as const;

const checkpointView = {
  type: 'object',
  description:
    'A C2SP tlog-checkpoint signed note (Ed25519) and the verifier key that checks it; hashes are base64.',
  required: ['origin', 'size', 'rootHash', 'note', 'createdAt', 'verifierKey'],
  properties: {
    origin: text,
    size: int,
    rootHash: text,
    note: { type: 'string', description: 'Checkpoint body, a blank line, signature lines.' },
    createdAt: text,
    verifierKey: { type: 'string', description: 'C2SP verifier key: name+keyid+base64 key.' },
  },
} as const;

const entryPage = {
  type: 'object',
  required: ['size', 'entries', 'next'],
  properties: {
    size: int,
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['entry', 'leafHash'],
        properties: { entry: open, leafHash: text },
      },
    },
    next: { type: ['integer', 'null'] },
  },
} as const;

const inclusionView = {
  type: 'object',
  required: ['seq', 'treeSize', 'entry', 'leafHash', 'proof', 'checkpoint'],
  properties: {
    seq: int,
    treeSize: int,
    entry: open,
    leafHash: text,
    proof: hashes,
    checkpoint: checkpointView,
  },
} as const;

const consistencyView = {
  type: 'object',
  required: ['size1', 'size2', 'root1', 'root2', 'proof', 'checkpoint'],
  properties: {
    size1: int,
    size2: int,
    root1: nullableText,
    root2: text,
    proof: hashes,
    checkpoint: checkpointView,
  },
} as const;

const period = {
  type: 'object',
  additionalProperties: true,
  required: [
    'version',
    'since',
    'until',
    'seq',
    'action',
    'actor',
    'requestId',
    'decisionId',
    'replaced',
  ],
  properties: {
    version: nullableText,
    since: text,
    until: nullableText,
    seq: int,
    action: text,
    actor: text,
    reason: text,
    ticket: text,
    requestId: nullableText,
    decisionId: nullableText,
    replaced: nullableText,
    changeType: text,
    trigger: {
      type: 'string',
      description: 'For rollbacks: `manual` or what triggered it (e.g. `emergency.expired`).',
    },
    emergencyBypass: {
      type: 'object',
      additionalProperties: true,
      description: 'Set when the promotion bypassed gates under an emergency change.',
      required: ['seq', 'bypassExpiresAt', 'reviewDueAt'],
      properties: { seq: int, bypassExpiresAt: nullableText, reviewDueAt: nullableText },
    },
  },
} as const;

const historyView = {
  type: 'object',
  required: ['model', 'at', 'production', 'decision', 'timeline'],
  properties: {
    model: text,
    at: nullableText,
    production: { anyOf: [period, { type: 'null' }] },
    decision: { anyOf: [ref('DecisionRecord'), { type: 'null' }] },
    timeline: { type: 'array', items: period },
  },
} as const;

const stateCheckView = {
  type: 'object',
  description:
    'Serving, versions (artifact, registrar, lineage) and their states, requests and approvals replayed from the audit log and held against the database rows.',
  required: ['checkedAt', 'auditEntries', 'disagreements', 'problems', 'notes'],
  properties: {
    checkedAt: text,
    auditEntries: int,
    disagreements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['table', 'key', 'field', 'expected', 'found'],
        properties: {
          table: {
            type: 'string',
            enum: [
              'models',
              'versions',
              'version_states',
              'serving',
              'transition_requests',
              'approvals',
            ],
          },
          key: text,
          field: { type: 'string', description: 'The column; `row` when a whole row is missing.' },
          expected: {
            ...nullableText,
            description: 'What the audit log says; null when no audit entry accounts for the row.',
          },
          found: { ...nullableText, description: 'What the database holds; null when no row.' },
        },
      },
    },
    problems: { type: 'array', items: text },
    notes: {
      type: 'array',
      items: text,
      description:
        'What the log is too old to prove (versions registered before their lineage digest was logged); not a disagreement.',
    },
  },
} as const;

export const auditRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.get(
    '/audit/checkpoints/latest',
    {
      schema: {
        tags: ['audit'],
        summary: 'The latest signed checkpoint of the audit log',
        response: { 200: checkpointView, ...errors },
      },
    },
    async (request) => useCases.latestCheckpoint(principalOf(request)),
  );

  app.get(
    '/audit/checkpoints',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every signed checkpoint of the audit log, smallest size first',
        response: {
          200: {
            type: 'object',
            required: ['checkpoints'],
            properties: { checkpoints: { type: 'array', items: checkpointView } },
          },
          ...errors,
        },
      },
    },
    async (request) => useCases.checkpoints(principalOf(request)),
  );

  app.post(
    '/audit/checkpoints',
    {
      schema: {
        tags: ['audit'],
        summary: 'Sign a checkpoint now (admin); returns the latest when the log has not grown',
        response: {
          200: {
            type: 'object',
            required: ['checkpoint', 'signed'],
            properties: { checkpoint: checkpointView, signed: { type: 'boolean' } },
          },
          ...errors,
        },
      },
    },
    async (request) => useCases.signCheckpoint(principalOf(request)),
  );

  app.get(
    '/audit/entries',
    {
      schema: {
        tags: ['audit'],
        summary: 'A page of audit entries with their leaf hashes, filtered (auditor, admin)',
        description:
          'Oldest first from seq `from`, or newest first below seq `before`; `next` is the `from` ' +
          '(or `before`) of the following page. Filters match exactly and combine: `model` (an ' +
          "entry's `data.model`, or its model or version subject), `actor`, `action`, and " +
          '`since` ≤ time < `until` (RFC 3339).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: int,
            before: { ...int, description: 'Newest first, entries with a lower seq.' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            model: { type: 'string', minLength: 1 },
            actor: { type: 'string', minLength: 1 },
            action: { type: 'string', minLength: 1 },
            since: { type: 'string', minLength: 1, description: 'RFC 3339; entries at or after.' },
            until: { type: 'string', minLength: 1, description: 'RFC 3339; entries before.' },
          },
        },
        response: { 200: entryPage, ...errors },
      },
    },
    async (request) => useCases.auditEntries(principalOf(request), request.query),
  );

  app.get(
    '/audit/proofs/inclusion/:seq',
    {
      schema: {
        tags: ['audit'],
        summary: 'RFC 9162 inclusion proof of an entry against a signed checkpoint',
        params: { type: 'object', required: ['seq'], properties: { seq: int } },
        querystring: {
          type: 'object',
          properties: { size: { ...int, description: 'A checkpoint size; default the latest.' } },
        },
        response: { 200: inclusionView, ...errors },
      },
    },
    async (request) =>
      useCases.inclusionProof(principalOf(request), {
        seq: request.params.seq,
        ...(request.query.size === undefined ? {} : { size: request.query.size }),
      }),
  );

  app.get(
    '/audit/proofs/consistency',
    {
      schema: {
        tags: ['audit'],
        summary: 'RFC 9162 consistency proof from a tree size to a signed checkpoint',
        querystring: {
          type: 'object',
          required: ['from'],
          properties: {
            from: { ...int, description: 'The size of the tree you hold.' },
            to: { ...int, description: 'A checkpoint size; default the latest.' },
          },
        },
        response: { 200: consistencyView, ...errors },
      },
    },
    async (request) => useCases.consistencyProof(principalOf(request), request.query),
  );

  app.get(
    '/audit/state',
    {
      schema: {
        tags: ['audit'],
        summary:
          'The database checked against the audit log: every row that disagrees (auditor, admin)',
        response: { 200: stateCheckView, ...errors },
      },
    },
    async (request) => useCases.auditState(principalOf(request)),
  );

  app.get(
    '/models/:name/history',
    {
      schema: {
        tags: ['models'],
        summary: 'Which version was in production at a time, and the decision that put it there',
        params: nameParams,
        querystring: {
          type: 'object',
          properties: { at: { type: 'string', description: 'RFC 3339 instant; default now.' } },
        },
        response: { 200: historyView, ...errors },
      },
    },
    async (request) =>
      useCases.modelHistory(principalOf(request), {
        model: request.params.name,
        ...(request.query.at === undefined ? {} : { at: request.query.at }),
      }),
  );
};
