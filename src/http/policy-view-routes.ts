/** A model's policy as people read it, and a dry run of a transition's gates (the policy view). */
import { nameParams, versionParams } from './body-schemas.js';
import { principalOf } from './http-hooks.js';
import { errors, listOf } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const text = { type: 'string' } as const;
const texts = { type: 'array', items: text } as const;
const open = { type: 'object', additionalProperties: true } as const;
const modelPolicyView = {
  type: 'object',
  required: ['model', 'digest', 'name', 'riskTier', 'text', 'states', 'transitions', 'changeTypes'],
  properties: {
    model: text,
    digest: text,
    name: text,
    riskTier: text,
    text: { type: 'string', description: 'The YAML as registered.' },
    states: texts,
    transitions: {
      type: 'array',
      description: 'Per transition: who may request it, its gates, approvals and rules.',
      items: { ...open, required: ['from', 'to', 'requestedBy', 'gates', 'approvals'] },
    },
    changeTypes: open,
  },
} as const;

const dryRunView = {
  type: 'object',
  required: [
    'model',
    'version',
    'from',
    'to',
    'policyDigest',
    'evidenceDigest',
    'outcome',
    'gates',
    'approvals',
    'requestedBy',
  ],
  properties: {
    model: text,
    version: text,
    from: text,
    to: text,
    policyDigest: text,
    evidenceDigest: text,
    baselineVersion: text,
    outcome: {
      type: 'string',
      enum: ['pass', 'fail'],
      description: '`pass` when no gate blocks; the approvals are still needed.',
    },
    gates: listOf('GateResult'),
    approvals: listOf('ApprovalRequirement'),
    requestedBy: texts,
  },
} as const;

export const policyViewRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.get(
    '/models/:name/policy',
    {
      schema: {
        tags: ['policies'],
        summary: 'The policy governing a model: YAML, digest, and each transition’s rules',
        params: nameParams,
        response: { 200: modelPolicyView, ...errors },
      },
    },
    async (request) => useCases.modelPolicy(principalOf(request), { model: request.params.name }),
  );

  app.post(
    '/models/:name/versions/:version/dry-run',
    {
      schema: {
        tags: ['requests'],
        summary:
          'Evaluate the gates of a transition on the version’s stored evidence now, storing nothing',
        params: versionParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to'],
          properties: { to: { type: 'string', minLength: 1 } },
        },
        response: { 200: dryRunView, ...errors },
      },
    },
    async (request) =>
      useCases.dryRunTransition(principalOf(request), {
        model: request.params.name,
        version: request.params.version,
        to: request.body.to,
      }),
  );
};
