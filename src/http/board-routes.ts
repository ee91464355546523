/** The release board: one page of models with everything the board page shows of each. */
import { maxBoardPage } from '../app/board/release-board.js';
import { principalOf } from './http-hooks.js';
import { errors, ref } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const texts = { type: 'array', items: text } as const;

const boardQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    team: { ...nonEmpty, description: 'Only models of this owner team.' },
    riskTier: { ...nonEmpty, description: 'Only models of this risk tier.' },
    waitingFor: {
      type: 'string',
      enum: ['me'],
      description: 'me: only models with a request the caller could sign now.',
    },
    limit: { type: 'integer', minimum: 1, maximum: maxBoardPage, default: 100 },
    after: { ...nonEmpty, description: 'The `next` of the previous page.' },
  },
} as const;

const boardRow = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'versions', 'open', 'overdueReviews'],
  properties: {
    model: ref('Model'),
    versions: {
      type: 'array',
      description: 'Every version and its state, in registration order.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['version', 'state'],
        properties: { version: text, state: text },
      },
    },
    production: text,
    canary: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'traffic'],
      properties: {
        version: text,
        traffic: { type: 'number' },
        rolloutId: { ...text, description: 'The running or paused rollout of the canary.' },
      },
    },
    open: {
      type: 'array',
      description: 'Pending and approved requests, oldest first.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['request', 'failedGates', 'waitingForMe'],
        properties: {
          request: ref('TransitionRequest'),
          failedGates: { ...texts, description: 'Gates of its decision that did not pass.' },
          waitingForMe: { ...texts, description: 'Roles the caller could sign it in now.' },
        },
      },
    },
    overdueReviews: {
      type: 'integer',
      description: 'Post-incident reviews of its emergency changes past due and not complete.',
    },
  },
} as const;

const boardPage = {
  type: 'object',
  additionalProperties: false,
  required: ['models', 'next'],
  properties: {
    models: { type: 'array', items: boardRow },
    next: {
      type: ['string', 'null'],
      description: 'The `after` of the next page; null on the last.',
    },
  },
} as const;

export const boardRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.get(
    '/board',
    {
      schema: {
        tags: ['models'],
        summary: 'The release board: a page of models with stages, canary, open requests, marks',
        description:
          'Models in name order, `limit` at a time after model `after`; those the caller holds a ' +
          'role on (any role: every model).',
        querystring: boardQuery,
        response: { 200: boardPage, ...errors },
      },
    },
    async (request) => {
      const { team, riskTier, waitingFor, limit, after } = request.query;
      return useCases.releaseBoard(principalOf(request), {
        team,
        riskTier,
        waitingForMe: waitingFor === 'me',
        limit,
        after,
      });
    },
  );
};
