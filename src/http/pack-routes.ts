/** The evidence pack download and the policy backtest: what an auditor and a policy owner review. */
import { EvidencePackStall, evidencePackMediaType } from '../app/index.js';
import { changeTypes, decisionKinds, decisionOutcomes, gateOutcomes } from '../domain/index.js';
import { versionParams } from './body-schemas.js';
import { principalOf } from './http-hooks.js';
import { errors } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const texts = { type: 'array', items: text } as const;

const backtestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['policy'],
  properties: {
    policy: { ...nonEmpty, description: 'The changed policy YAML text.' },
    file: { ...nonEmpty, description: 'The name problems are reported against (file:line:col).' },
    model: { ...nonEmpty, description: "Only this model's decisions (default: every model)." },
    since: {
      ...nonEmpty,
      description: 'Only decisions made since a duration ago (90d, 2w) or a date (2026-01-31).',
    },
  },
} as const;

const skipped = {
  type: 'object',
  additionalProperties: true,
  required: ['from', 'to'],
  properties: { from: text, to: text },
} as const;

const side = {
  type: 'object',
  additionalProperties: true,
  required: ['outcome', 'blockingGates', 'reasons'],
  properties: {
    outcome: { type: 'string', enum: decisionOutcomes },
    blockingGates: texts,
    reasons: texts,
  },
} as const;

const gateState = {
  type: 'object',
  additionalProperties: true,
  required: ['outcome', 'observed', 'threshold', 'bypassed', 'explanation'],
  properties: {
    outcome: { type: 'string', enum: gateOutcomes },
    observed: { type: ['number', 'string', 'null'] },
    threshold: text,
    bypassed: { type: 'boolean' },
    explanation: text,
  },
} as const;

const difference = {
  type: 'object',
  additionalProperties: true,
  required: [
    'decisionId',
    'kind',
    'model',
    'version',
    'transition',
    'at',
    'before',
    'after',
    'why',
    'notes',
  ],
  properties: {
    decisionId: text,
    kind: { type: 'string', enum: decisionKinds },
    model: text,
    version: text,
    transition: {
      type: 'object',
      additionalProperties: true,
      required: ['from', 'to', 'changeType'],
      properties: { from: text, to: text, changeType: { type: 'string', enum: changeTypes } },
    },
    at: text,
    before: side,
    after: side,
    why: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        description:
          'One gate whose result would change: no `before` means added, no `after` removed.',
        required: ['gateId', 'why'],
        properties: { gateId: text, before: gateState, after: gateState, why: text },
      },
    },
    notes: {
      ...texts,
      description: 'Changes outside the gates: approval rules, a removed change type.',
    },
  },
} as const;

const skip = {
  type: 'object',
  additionalProperties: true,
  required: ['decisionId', 'model', 'version', 'transition', 'reason'],
  properties: { decisionId: text, model: text, version: text, transition: skipped, reason: text },
} as const;

const backtestReport = {
  type: 'object',
  additionalProperties: true,
  description: 'The decisions whose outcome would differ under the policy, gate by gate.',
  required: [
    'policyDigest',
    'policyName',
    'evaluated',
    'differing',
    'missingTransition',
    'unevaluable',
  ],
  properties: {
    policyDigest: text,
    policyName: text,
    since: text,
    model: text,
    evaluated: { type: 'integer', minimum: 0 },
    differing: { type: 'array', items: difference },
    missingTransition: { type: 'array', items: skip },
    unevaluable: { type: 'array', items: skip },
  },
} as const;

/** The download's headers, the same on `GET` and `HEAD`. */
const packHeaders = {
  'content-disposition': {
    type: 'string',
    description: 'attachment; filename="<model>-<version>-evidence-pack.tar.gz"',
  },
} as const;

export const packRoutes: RoutesPlugin = async (app, { useCases }) => {
  const packUrl = '/models/:name/versions/:version/evidence-pack';
  // A fresh export each time (its own createdAt and audit entry): nothing to keep.
  const cacheControl = 'private, no-store';

  // Fastify's automatic HEAD route would run the GET handler: an export (audited) and the whole
  // pack read and gzipped, only for the body to be dropped. The gzip stream has no length to
  // announce (the GET is chunked), so a HEAD can answer everything a GET's head says without it.
  app.head(
    packUrl,
    {
      config: { cacheControl },
      schema: {
        hide: true,
        params: versionParams,
      },
    },
    async (request, reply) => {
      const { name: model, version } = request.params;
      const { filename } = await useCases.evidencePackHead(principalOf(request), {
        model,
        version,
      });
      return reply
        .type(evidencePackMediaType)
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send();
    },
  );

  app.get(
    packUrl,
    {
      exposeHeadRoute: false,
      config: { cacheControl },
      schema: {
        tags: ['evidence'],
        summary:
          "The version's evidence pack for auditors, as a gzip-compressed tar (any role on the model)",
        params: versionParams,
        response: {
          200: {
            description:
              'One top-level directory holding manifest.json, version.json, evidence/, policy/, decisions.json, approvals.json, requests.json, audit/ and report.html; see docs/reference/evidence-pack.md.',
            headers: packHeaders,
            content: { [evidencePackMediaType]: { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { name: model, version } = request.params;
      const archive = await useCases.evidencePack(principalOf(request), { model, version });
      // The status went out with the first chunk; a blob that fails its digest check later can
      // only cut the download off (Fastify then destroys the socket), so say why in the log. A
      // stall is the client's doing (or the blob store's), not a fault of the pack: a warning.
      archive.stream.once('error', (err) => {
        const level = err instanceof EvidencePackStall ? 'warn' : 'error';
        request.log[level](
          { err, model, version },
          `Evidence pack download of ${model}@${version} cut off: ${err.message}`,
        );
      });
      return reply
        .type(evidencePackMediaType)
        .header('content-disposition', `attachment; filename="${archive.filename}"`)
        .send(archive.stream);
    },
  );

  app.post(
    '/policies/backtest',
    {
      schema: {
        tags: ['policies'],
        summary:
          'Re-evaluate stored decisions under a changed policy (admin, mlops, risk_officer, compliance_officer, auditor)',
        body: backtestBody,
        response: { 200: backtestReport, ...errors },
      },
    },
    async (request) => useCases.backtestPolicy(principalOf(request), request.body),
  );
};
