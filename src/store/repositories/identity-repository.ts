import { sql } from 'kysely';
import type { IdentityRepository } from '../../app/shared/ports.js';
import type { ApiTokenRecord, RoleBinding, RoleGrant, User } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import {
  conflictOnDuplicate,
  int,
  iso,
  isoOrUndefined,
  opt,
  type RepositoryContext,
} from '../columns.js';

interface UserRow {
  id: string;
  display_name: string;
  team: string | null;
  created_at: Date | string;
  created_by: string;
}

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: Date | string;
  created_by: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

export function identityRepository(context: RepositoryContext): IdentityRepository {
  const { db } = context;
  return {
    async insertUser(user) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('users')
            .values({
              id: user.id,
              display_name: user.displayName ?? '',
              team: user.team ?? null,
              created_at: user.createdAt,
              created_by: user.createdBy,
            })
            .execute(),
        `User ${user.id} already exists; pick another id or grant roles to the existing user`,
      );
    },
    async getUser(id) {
      const row = await db
        .selectFrom('users')
        .select(['id', 'display_name', 'team', 'created_at', 'created_by'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async listUsers() {
      const rows = await db
        .selectFrom('users')
        .select(['id', 'display_name', 'team', 'created_at', 'created_by'])
        .orderBy('id')
        .execute();
      return rows.map(toUser);
    },
    async countUsers() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return int(row.n);
    },
    async grantRole(grant) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('role_bindings')
            .values({
              id: grant.id,
              user_id: grant.userId,
              role: grant.role,
              model: grant.model ?? null,
              created_at: grant.grantedAt,
              created_by: grant.grantedBy,
            })
            .execute(),
        `User ${grant.userId} already holds role ${describeBinding(grant)}`,
      );
    },
    async revokeRole(userId, binding) {
      let query = db
        .deleteFrom('role_bindings')
        .where('user_id', '=', userId)
        .where('role', '=', binding.role);
      query =
        binding.model === undefined
          ? query.where('model', 'is', null)
          : query.where('model', '=', binding.model);
      const result = await query.executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async rolesOf(userId) {
      const rows = await db
        .selectFrom('role_bindings')
        .select(['role', 'model'])
        .where('user_id', '=', userId)
        .orderBy('role')
        .orderBy(globalFirst)
        .execute();
      return rows.map((row): RoleBinding => ({ role: row.role, ...opt('model', row.model) }));
    },
    async listRoleGrants() {
      const rows = await db
        .selectFrom('role_bindings')
        .selectAll()
        .orderBy('user_id')
        .orderBy('role')
        .orderBy(globalFirst)
        .execute();
      return rows.map(
        (row): RoleGrant => ({
          id: row.id,
          userId: row.user_id,
          role: row.role,
          ...opt('model', row.model),
          grantedAt: iso(row.created_at),
          grantedBy: row.created_by,
        }),
      );
    },
    async insertToken(token) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('api_tokens')
            .values({
              id: token.id,
              user_id: token.userId,
              name: token.description,
              secret_hash: token.hashedSecret,
              created_at: token.createdAt,
              created_by: token.createdBy,
              expires_at: token.expiresAt ?? null,
              revoked_at: token.revokedAt ?? null,
              revoked_by: token.revokedBy ?? null,
            })
            .execute(),
        `API token ${token.id} already exists; mint a new token`,
      );
    },
    async getToken(id) {
      const row = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toToken(row);
    },
    async revokeToken(id, at, by) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at, revoked_by: by })
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        throw new ClearanceError('not_found', `API token ${id} does not exist; check the id`);
      }
    },
    async listTokens(userId) {
      let query = db.selectFrom('api_tokens').selectAll();
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(toToken);
    },
  };
}

/** NULLs sort first on SQLite and last on PostgreSQL; coalesce puts global bindings first on both. */
const globalFirst = sql<string>`coalesce(model, '')`;

function describeBinding(binding: RoleBinding): string {
  return binding.model === undefined
    ? `${binding.role} (global)`
    : `${binding.role} on ${binding.model}`;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    ...(row.display_name === '' ? {} : { displayName: row.display_name }),
    ...opt('team', row.team),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
  };
}

function toToken(row: TokenRow): ApiTokenRecord {
  const expiresAt = isoOrUndefined(row.expires_at);
  const revokedAt = isoOrUndefined(row.revoked_at);
  return {
    id: row.id,
    userId: row.user_id,
    hashedSecret: row.secret_hash,
    description: row.name,
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    ...opt('revokedBy', row.revoked_by),
  };
}
