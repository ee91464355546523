/** Transition requests, approvals, execution, rollback, the inbox and decisions. */
import {
  approvalBody,
  approvalOutcomeSchema,
  idParams,
  inboxSchema,
  nameParams,
  reasonBody,
  replaySchema,
  requestDetailSchema,
  requestOutcomeSchema,
  requestsQuery,
  requestTransitionBody,
  rollbackSchema,
} from './body-schemas.js';
import { actingUseCases, principalOf } from './http-hooks.js';
import { errors, idempotencyHeader, listOf, ref } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

export const requestRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.post(
    '/requests',
    {
      config: { idempotent: true },
      schema: {
        tags: ['requests'],
        summary: 'Request a transition of a version to another state',
        headers: idempotencyHeader,
        body: requestTransitionBody,
        response: { 201: requestOutcomeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const created = await actingUseCases(request, useCases).requestTransition(
        principalOf(request),
        request.body,
      );
      reply.header('location', `${app.prefix}/requests/${encodeURIComponent(created.request.id)}`);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'A model’s transition requests, oldest first',
        querystring: requestsQuery,
        response: { 200: listOf('TransitionRequest'), ...errors },
      },
    },
    async (request) => {
      const { model, version, status } = request.query;
      return useCases.listRequests(principalOf(request), {
        model,
        ...(version === undefined ? {} : { version }),
        ...(status === undefined ? {} : { status }),
      });
    },
  );

  app.get(
    '/requests/:id',
    {
      schema: {
        tags: ['requests'],
        summary: 'A transition request with its approvals',
        params: idParams,
        response: { 200: requestDetailSchema, ...errors },
      },
    },
    async (request) => useCases.getRequest(principalOf(request), request.params.id),
  );

  app.post(
    '/requests/:id/approvals',
    {
      config: { idempotent: true },
      schema: {
        tags: ['requests'],
        summary: 'Approve or reject a request in one of your roles',
        params: idParams,
        headers: idempotencyHeader,
        body: approvalBody,
        response: { 201: approvalOutcomeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const approval = await actingUseCases(request, useCases).recordApproval(
        principalOf(request),
        {
          ...request.body,
          requestId: request.params.id,
        },
      );
      return reply.code(201).send(approval);
    },
  );

  app.post(
    '/requests/:id/cancel',
    {
      config: { idempotent: true },
      schema: {
        tags: ['requests'],
        summary: 'Cancel a pending request',
        params: idParams,
        headers: idempotencyHeader,
        body: reasonBody,
        response: { 200: ref('TransitionRequest'), ...errors },
      },
    },
    async (request) =>
      actingUseCases(request, useCases).cancelRequest(principalOf(request), {
        requestId: request.params.id,
        reason: request.body.reason,
      }),
  );

  app.post(
    '/requests/:id/execute',
    {
      config: { idempotent: true },
      schema: {
        tags: ['requests'],
        summary: 'Execute an approved request (gates re-checked, atomically audited)',
        params: idParams,
        headers: idempotencyHeader,
        response: { 200: requestOutcomeSchema, ...errors },
      },
    },
    async (request) =>
      actingUseCases(request, useCases).executeTransition(principalOf(request), {
        requestId: request.params.id,
      }),
  );

  app.post(
    '/models/:name/versions/:version/import-production',
    {
      config: { idempotent: true },
      schema: {
        tags: ['serving'],
        summary:
          "Record a version that served before Clearance as the model's first production version",
        params: {
          type: 'object',
          required: ['name', 'version'],
          properties: { name: { type: 'string' }, version: { type: 'string' } },
        },
        headers: idempotencyHeader,
        body: reasonBody,
        response: {
          200: {
            type: 'object',
            required: ['model', 'version', 'since'],
            properties: {
              model: { type: 'string' },
              version: { type: 'string' },
              since: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (request) =>
      actingUseCases(request, useCases).importProduction(principalOf(request), {
        model: request.params.name,
        version: request.params.version,
        ...request.body,
      }),
  );

  app.post(
    '/models/:name/rollback',
    {
      config: { idempotent: true },
      schema: {
        tags: ['serving'],
        summary: 'Roll production back to the rollback target',
        params: nameParams,
        headers: idempotencyHeader,
        body: reasonBody,
        response: { 200: rollbackSchema, ...errors },
      },
    },
    async (request) =>
      actingUseCases(request, useCases).rollback(principalOf(request), {
        model: request.params.name,
        ...request.body,
      }),
  );

  app.get(
    '/inbox',
    {
      schema: {
        tags: ['requests'],
        summary: 'Pending requests you can approve',
        response: { 200: inboxSchema, ...errors },
      },
    },
    async (request) => useCases.inbox(principalOf(request)),
  );

  app.get(
    '/decisions/:id',
    {
      schema: {
        tags: ['decisions'],
        summary: 'A decision record with every input it was made on',
        params: idParams,
        response: { 200: ref('DecisionRecord'), ...errors },
      },
    },
    async (request) => useCases.getDecision(principalOf(request), request.params.id),
  );

  app.post(
    '/decisions/:id/replay',
    {
      schema: {
        tags: ['decisions'],
        summary: 'Recompute a decision from stored evidence and policy alone',
        params: idParams,
        response: { 200: replaySchema, ...errors },
      },
    },
    async (request) => useCases.replayDecision(principalOf(request), request.params.id),
  );
};
