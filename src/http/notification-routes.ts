/**
 * Webhook subscriptions (admin): create (the secret is in that response only), list, show,
 * update, rotate the secret, disable, delete; the delivery log and redelivery.
 */
import { idParams } from './body-schemas.js';
import { principalOf } from './http-hooks.js';
import {
  createWebhookBody,
  deliveriesQuery,
  deliveryListSchema,
  deliveryParams,
  deliverySchema,
  updateWebhookBody,
  webhookListSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from './notification-schemas.js';
import { errors } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const tags = ['webhooks'];

export const notificationRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the signing secret is in this response only',
        body: createWebhookBody,
        response: { 201: webhookWithSecretSchema, ...errors },
      },
    },
    async (request, reply) => {
      const created = await useCases.createWebhook(principalOf(request), request.body);
      reply.header('cache-control', 'no-store');
      reply.header(
        'location',
        `${app.prefix}/webhooks/${encodeURIComponent(created.subscription.id)}`,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'List webhook subscriptions (never their secrets)',
        response: { 200: webhookListSchema, ...errors },
      },
    },
    async (request) => useCases.listWebhooks(principalOf(request)),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Show a webhook subscription',
        params: idParams,
        response: { 200: webhookSchema, ...errors },
      },
    },
    async (request) => useCases.getWebhook(principalOf(request), { id: request.params.id }),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a subscription’s URL, filters or description, or enable/disable it',
        params: idParams,
        body: updateWebhookBody,
        response: { 200: webhookSchema, ...errors },
      },
    },
    async (request) =>
      useCases.updateWebhook(principalOf(request), { ...request.body, id: request.params.id }),
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'A new signing secret (in this response only); the old one signs for an overlap',
        params: idParams,
        response: { 200: webhookWithSecretSchema, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return useCases.rotateWebhookSecret(principalOf(request), { id: request.params.id });
    },
  );

  app.post(
    '/webhooks/:id/disable',
    {
      schema: {
        tags,
        summary: 'Stop delivering to a subscription (PATCH enabled: true resumes)',
        params: idParams,
        response: { 200: webhookSchema, ...errors },
      },
    },
    async (request) => useCases.disableWebhook(principalOf(request), { id: request.params.id }),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a subscription; its pending deliveries fail',
        params: idParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (request, reply) => {
      await useCases.deleteWebhook(principalOf(request), { id: request.params.id });
      return reply.code(204).send();
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The subscription’s delivery log, newest first, with every attempt',
        params: idParams,
        querystring: deliveriesQuery,
        response: { 200: deliveryListSchema, ...errors },
      },
    },
    async (request) =>
      useCases.listWebhookDeliveries(principalOf(request), {
        id: request.params.id,
        limit: request.query.limit,
      }),
  );

  app.post(
    '/webhooks/:id/deliveries/:eventId/redeliver',
    {
      schema: {
        tags,
        summary: 'Send an event to the subscription again (same webhook-id), as new attempts',
        params: deliveryParams,
        response: { 202: deliverySchema, ...errors },
      },
    },
    async (request, reply) => {
      const delivery = await useCases.redeliverWebhook(principalOf(request), {
        id: request.params.id,
        eventId: request.params.eventId,
      });
      return reply.code(202).send(delivery);
    },
  );
};
