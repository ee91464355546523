/** Post-incident reviews of executed emergency changes: sign one off, list the ones owed. */
import {
  idParams,
  reviewBody,
  reviewListSchema,
  reviewOutcomeSchema,
  reviewsQuery,
} from './body-schemas.js';
import { actingUseCases, principalOf } from './http-hooks.js';
import { errors, idempotencyHeader } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

export const reviewRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.post(
    '/requests/:id/reviews',
    {
      config: { idempotent: true },
      schema: {
        tags: ['reviews'],
        summary: 'Record a post-incident review sign-off on an executed emergency change',
        params: idParams,
        headers: idempotencyHeader,
        body: reviewBody,
        response: { 201: reviewOutcomeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const outcome = await actingUseCases(request, useCases).recordReview(principalOf(request), {
        ...request.body,
        requestId: request.params.id,
      });
      return reply.code(201).send(outcome);
    },
  );

  app.get(
    '/reviews',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Post-incident reviews of emergency changes: due, overdue or all',
        querystring: reviewsQuery,
        response: { 200: reviewListSchema, ...errors },
      },
    },
    async (request) =>
      useCases.listReviews(principalOf(request), { status: request.query.status ?? 'due' }),
  );
};
