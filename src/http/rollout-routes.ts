/** Canary rollouts: read them, post KPI batches, pause / resume / abort / promote now. */
import { idParams } from './body-schemas.js';
import { principalOf } from './http-hooks.js';
import { errors } from './record-schemas.js';
import {
  ingestResultSchema,
  observationBatchBody,
  observationBodyLimitBytes,
  rolloutActionBody,
  rolloutListSchema,
  rolloutSchema,
  rolloutsQuery,
  rolloutTimelineSchema,
} from './rollout-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

export const rolloutRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.get(
    '/rollouts',
    {
      schema: {
        tags: ['rollouts'],
        summary: 'Canary rollouts, oldest first, by status and model',
        description:
          'Only the rollouts of models the caller holds a role on (a global role holds for every ' +
          'model), as one rollout is read; a `model` the caller holds no role on is 403.',
        querystring: rolloutsQuery,
        response: { 200: rolloutListSchema, ...errors },
      },
    },
    async (request) =>
      useCases.listRollouts(principalOf(request), {
        ...(request.query.status ? { status: [request.query.status] } : {}),
        ...(request.query.model ? { model: request.query.model } : {}),
      }),
  );

  app.get(
    '/rollouts/:id',
    {
      schema: {
        tags: ['rollouts'],
        summary: 'A rollout: status, traffic, steps, and each trigger’s recent windows',
        params: idParams,
        response: { 200: rolloutSchema, ...errors },
      },
    },
    async (request) => useCases.getRollout(principalOf(request), { rolloutId: request.params.id }),
  );

  app.get(
    '/rollouts/:id/timeline',
    {
      schema: {
        tags: ['rollouts'],
        summary: 'Every decided KPI window and change of state of a rollout, from the audit log',
        params: idParams,
        response: { 200: rolloutTimelineSchema, ...errors },
      },
    },
    async (request) =>
      useCases.rolloutTimeline(principalOf(request), { rolloutId: request.params.id }),
  );

  app.post(
    '/rollouts/:id/observations',
    {
      bodyLimit: observationBodyLimitBytes,
      schema: {
        tags: ['rollouts'],
        summary: 'Post a batch of KPI points (idempotent per batch id); evaluates the rollout',
        params: idParams,
        body: observationBatchBody,
        response: { 200: ingestResultSchema, ...errors },
      },
    },
    async (request) =>
      useCases.postObservations(principalOf(request), {
        rolloutId: request.params.id,
        batchId: request.body.batchId,
        points: request.body.points.map((p) => ({
          series: p.series,
          arm: p.arm,
          at: p.at,
          ...(p.successes !== undefined ? { successes: p.successes } : {}),
          ...(p.trials !== undefined ? { trials: p.trials } : {}),
          ...(p.values !== undefined ? { values: p.values } : {}),
          ...(p.counts !== undefined ? { counts: p.counts } : {}),
        })),
      }),
  );

  const actions = {
    pause: 'Pause a running rollout: traffic stays, steps and completion wait',
    resume: 'Resume a paused rollout',
    abort: 'Abort a rollout (reason required): the canary leaves serving at once',
    promote: 'Promote now: end the canary and put the candidate in production',
  } as const;
  for (const [action, summary] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post(
      `/rollouts/:id/${action}`,
      {
        schema: {
          tags: ['rollouts'],
          summary,
          params: idParams,
          body: rolloutActionBody,
          response: { 200: rolloutSchema, ...errors },
        },
      },
      async (request) =>
        useCases.controlRollout(principalOf(request), {
          rolloutId: request.params.id,
          action,
          ...(request.body?.reason !== undefined ? { reason: request.body.reason } : {}),
          ...(request.body?.ticket !== undefined ? { ticket: request.body.ticket } : {}),
        }),
    );
  }
};
