import { type Selectable, sql } from 'kysely';
import type { IdentityRepository, RoleHolding } from '../../app/shared/ports.js';
import type { ApiTokenRecord, RoleBinding, RoleGrant, User } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import { conflictOnDuplicate, int, iso, opt, optIso, type RepositoryContext } from '../columns.js';
import { preparedQuery, shapedQuery } from '../prepared-query.js';
import type { ApiTokensTable, RoleBindingsTable, UsersTable } from '../schema.js';

/** Read before every authenticated request (principal-cache.ts): compiled once. */
const identityEpoch = preparedQuery((db) =>
  db.selectFrom('identity_epoch').select('epoch').where('id', '=', 1),
);

/**
 * The roles of up to two users, compiled once (ADR 033): a sign-off reads its approvers' roles,
 * one or two people on every standard path. One user is asked as `first` and `second` alike.
 */
const rolesOfTwo = preparedQuery((db, p: { first: string; second: string }) =>
  db
    .selectFrom('users')
    .leftJoin('role_bindings', 'role_bindings.user_id', 'users.id')
    .select(['users.id', 'role_bindings.role', 'role_bindings.model'])
    .where('users.id', 'in', [p.first, p.second]),
);

/** The roles of everyone who signed off a request, found by its id (ADR 049), compiled once. */
const rolesOfApprovers = preparedQuery((db, p: { requestId: string }) =>
  db
    .selectFrom('users')
    .leftJoin('role_bindings', 'role_bindings.user_id', 'users.id')
    .select(['users.id', 'role_bindings.role', 'role_bindings.model'])
    .where('users.id', 'in', (approvals) =>
      approvals.selectFrom('approvals').select('approver').where('request_id', '=', p.requestId),
    ),
);

/** Role bindings per user, from rows of a user left-joined with its bindings. */
function heldRoles(
  rows: readonly { id: string; role: string | null; model: string | null }[],
): Map<string, RoleBinding[]> {
  const held = new Map<string, RoleBinding[]>();
  for (const row of rows) {
    const roles = held.get(row.id) ?? [];
    held.set(row.id, roles);
    if (row.role !== null) roles.push({ role: row.role, ...opt('model', row.model) });
  }
  return held;
}

/** The columns a `User` is read from. */
const userColumns = [
  'id',
  'display_name',
  'team',
  'email',
  'created_at',
  'created_by',
  'disabled_at',
] as const;
type UserRow = Pick<Selectable<UsersTable>, (typeof userColumns)[number]>;

// Who holds some roles, globally or on a model: asked by every approval and request on the
// governed path. Compiled once per number of roles. Two ranges of role_bindings_by_role, not
// one: with `model is null or model = ?` SQLite seeks the role only and reads every model's
// bindings of it.
const holdersOfRolesOn = shapedQuery((db, p: { roles: string[]; model: string }) => {
  const holders = (applies: 'global' | 'model') =>
    db
      .selectFrom('role_bindings')
      .leftJoin('users', 'users.id', 'role_bindings.user_id')
      .select([
        'role_bindings.user_id',
        'role_bindings.role',
        'users.display_name',
        'users.disabled_at',
      ])
      .where('role_bindings.role', 'in', p.roles)
      .where((eb) =>
        applies === 'global'
          ? eb('role_bindings.model', 'is', null)
          : eb('role_bindings.model', '=', p.model),
      );
  return holders('global').unionAll(holders('model')).orderBy('user_id');
});

export function identityRepository(context: RepositoryContext): IdentityRepository {
  const { db } = context;
  // No bump here: migration 0019's triggers move the identity epoch with every row of users, role
  // bindings and tokens changed, in the changing statement's transaction, by this repository or
  // by anyone else (ADR 023).
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
              email: user.email ?? null,
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
        .select(userColumns)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async setEmail(id, email) {
      const result = await db
        .updateTable('users')
        .set({ email: email ?? null })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async setDisabledAt(id, at) {
      const result = await db
        .updateTable('users')
        .set({ disabled_at: at ?? null })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async listUsers() {
      const rows = await db.selectFrom('users').select(userColumns).orderBy('id').execute();
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
    async rolesOfUsers(userIds) {
      if (userIds.length === 0) return new Map();
      const [first, second = first] = userIds;
      const rows =
        userIds.length <= 2 && first !== undefined && second !== undefined
          ? await rolesOfTwo(db, { first, second })
          : await db
              .selectFrom('users')
              .leftJoin('role_bindings', 'role_bindings.user_id', 'users.id')
              .select(['users.id', 'role_bindings.role', 'role_bindings.model'])
              .where('users.id', 'in', [...userIds])
              .execute();
      return heldRoles(rows);
    },
    async rolesOfApproversOf(requestId) {
      return heldRoles(await rolesOfApprovers(db, { requestId }));
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
      return rows.map(toRoleGrant);
    },
    async holdersOfRoles({ roles, model }) {
      if (roles.length === 0) return [];
      const rows = await holdersOfRolesOn(db, { roles: [...new Set(roles)].sort(), model });
      return rows.map(
        (row): RoleHolding => ({
          userId: row.user_id,
          role: row.role,
          ...(row.display_name ? { displayName: row.display_name } : {}),
          ...optIso('disabledAt', row.disabled_at),
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
    async epoch() {
      const [row] = await identityEpoch(db, {});
      if (row === undefined) throw new Error('The identity_epoch row is missing.');
      return int(row.epoch);
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
    ...opt('email', row.email),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...optIso('disabledAt', row.disabled_at),
  };
}

function toRoleGrant(row: Selectable<RoleBindingsTable>): RoleGrant {
  return {
    id: row.id,
    userId: row.user_id,
    role: row.role,
    ...opt('model', row.model),
    grantedAt: iso(row.created_at),
    grantedBy: row.created_by,
  };
}

function toToken(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    hashedSecret: row.secret_hash,
    description: row.name,
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...optIso('expiresAt', row.expires_at),
    ...optIso('revokedAt', row.revoked_at),
    ...opt('revokedBy', row.revoked_by),
  };
}
