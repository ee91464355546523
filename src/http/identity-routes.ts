/** Users, role bindings, API tokens and the caller (`/me`). Token secrets appear once, on create. */
import { idParams } from './body-schemas.js';
import { actingUseCases, principalOf } from './http-hooks.js';
import { errors, idempotencyHeader, listOf, ref } from './record-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;

const createUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: nonEmpty,
    displayName: text,
    team: text,
    email: { ...nonEmpty, description: 'Where notification emails go (routing rules).' },
  },
} as const;

const emailBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: {
      anyOf: [nonEmpty, { type: 'null' }],
      description: 'The notification address; null removes it.',
    },
  },
} as const;

const roleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: { ...nonEmpty, description: 'e.g. model_owner, risk_officer, admin, auditor.' },
    model: { ...nonEmpty, description: 'Bind the role on this model only; omit for global.' },
  },
} as const;

const createTokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { ...nonEmpty, description: 'Whose token; yours when omitted (admins: anyone).' },
    description: text,
    expiresAt: { type: 'string', format: 'date-time', description: 'RFC 3339; omit for none.' },
  },
} as const;

const createdTokenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'userId', 'token', 'description', 'createdAt', 'createdBy'],
  properties: {
    id: text,
    token: { type: 'string', description: 'clr_<id>_<secret>: shown this once, never again.' },
    userId: text,
    description: text,
    createdAt: text,
    createdBy: text,
    expiresAt: text,
  },
} as const;

const meSchema = {
  type: 'object',
  required: ['id', 'kind', 'roles'],
  properties: {
    id: text,
    kind: text,
    roles: { type: 'array', items: ref('RoleBinding') },
    user: ref('User'),
  },
} as const;

const tokenQuery = {
  type: 'object',
  properties: { userId: { ...nonEmpty, description: 'Only this user’s tokens.' } },
} as const;

export const identityRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.post(
    '/users',
    {
      config: { idempotent: true },
      schema: {
        tags: ['identity'],
        summary: 'Create a user (admin)',
        headers: idempotencyHeader,
        body: createUserBody,
        response: { 201: ref('User'), ...errors },
      },
    },
    async (request, reply) => {
      const user = await actingUseCases(request, useCases).createUser(
        principalOf(request),
        request.body,
      );
      return reply.code(201).send(user);
    },
  );

  app.put(
    '/users/:id/email',
    {
      schema: {
        tags: ['identity'],
        summary: 'Set or remove a user’s notification email (the user, or an admin)',
        params: idParams,
        body: emailBody,
        response: { 200: ref('User'), ...errors },
      },
    },
    async (request) =>
      useCases.setUserEmail(principalOf(request), {
        id: request.params.id,
        email: request.body.email ?? undefined,
      }),
  );

  for (const change of ['disable', 'enable'] as const) {
    app.post(
      `/users/:id/${change}`,
      {
        schema: {
          tags: ['identity'],
          summary:
            change === 'disable'
              ? 'Disable a user’s account: every token and OIDC sign-in of it refused at once (admin)'
              : 'Enable a disabled account again (admin)',
          description:
            change === 'disable'
              ? 'Idempotent: an account already so is answered as it is, and nothing is written. The last enabled global admin is refused 409.'
              : 'Idempotent: an account already so is answered as it is, and nothing is written.',
          params: idParams,
          response: { 200: ref('User'), ...errors },
        },
      },
      async (request) => {
        const input = { id: request.params.id };
        return change === 'disable'
          ? useCases.disableUser(principalOf(request), input)
          : useCases.enableUser(principalOf(request), input);
      },
    );
  }

  app.get(
    '/users',
    {
      schema: {
        tags: ['identity'],
        summary: 'List users with their roles (admin, auditor)',
        response: { 200: listOf('User'), ...errors },
      },
    },
    async (request) => useCases.listUsers(principalOf(request)),
  );

  app.post(
    '/users/:id/roles',
    {
      schema: {
        tags: ['identity'],
        summary: 'Grant a role, globally or on one model (admin)',
        description:
          'A role the user already holds is answered 200 with its earlier grant, and nothing is written.',
        params: idParams,
        body: roleBody,
        response: {
          200: ref('RoleGrant'),
          201: ref('RoleGrant'),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { grant, created } = await useCases.grantRole(principalOf(request), {
        ...request.body,
        userId: request.params.id,
      });
      return reply.code(created ? 201 : 200).send(grant);
    },
  );

  app.delete(
    '/users/:id/roles',
    {
      schema: {
        tags: ['identity'],
        summary: 'Revoke a role binding (admin)',
        description:
          'A binding the user does not hold is left as it is (204 too), and nothing is written. The global admin role of the last enabled global admin is refused 409.',
        params: idParams,
        body: roleBody,
        response: {
          204: { type: 'null', description: 'The user does not hold the binding (any more).' },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      await useCases.revokeRole(principalOf(request), {
        ...request.body,
        userId: request.params.id,
      });
      return reply.code(204).send();
    },
  );

  // Not idempotent on purpose: a replay cache would hold the token's secret in memory.
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create an API token; its secret is in this response only',
        body: createTokenBody,
        response: { 201: createdTokenSchema, ...errors },
      },
    },
    async (request, reply) => {
      const created = await useCases.createToken(principalOf(request), request.body ?? {});
      reply.header('cache-control', 'no-store');
      reply.header('location', `${app.prefix}/tokens/${encodeURIComponent(created.id)}`);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['identity'],
        summary: 'List API tokens (yours; admins and auditors: anyone’s), never their secrets',
        querystring: tokenQuery,
        response: { 200: listOf('ApiToken'), ...errors },
      },
    },
    async (request) =>
      useCases.listTokens(
        principalOf(request),
        request.query.userId === undefined ? {} : { userId: request.query.userId },
      ),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Revoke an API token (its user, or an admin)',
        description:
          'A token already revoked is answered as it is (its revokedAt and revokedBy), and nothing is written.',
        params: idParams,
        response: { 200: ref('ApiToken'), ...errors },
      },
    },
    async (request) => useCases.revokeToken(principalOf(request), { id: request.params.id }),
  );

  app.get(
    '/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'The caller: id, kind, roles and user record',
        response: { 200: meSchema, ...errors },
      },
    },
    async (request) => useCases.me(principalOf(request)),
  );
};
