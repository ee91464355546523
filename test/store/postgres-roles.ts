/**
 * PostgreSQL roles of a test's own, never superusers: what Clearance runs as in a deployment that
 * keeps the migration owner apart from the runtime role (docs/operations.md, "Database roles").
 * Created and dropped through the test's (superuser) connection.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The statements docs/operations.md gives, run by `owner` (the role that ran the migrations and
 * owns the tables) in `schema`: DML for `role` on every table there now and every table `owner`
 * creates there later, but only SELECT on the counters the caches trust (the owner's trigger
 * functions move them, ADR 036).
 */
export function runtimeRoleGrants(role: string, owner: string, schema = 'public'): string[] {
  return [
    `grant usage on schema ${schema} to ${role}`,
    `grant select, insert, update, delete on all tables in schema ${schema} to ${role}`,
    `revoke insert, update, delete on ${schema}.identity_epoch, ${schema}.data_version, ` +
      `${schema}.version_changes from ${role}`,
    `grant usage, select on all sequences in schema ${schema} to ${role}`,
    `alter default privileges for role ${owner} in schema ${schema} grant select, insert, update, delete on tables to ${role}`,
    `alter default privileges for role ${owner} in schema ${schema} grant usage, select on sequences to ${role}`,
  ];
}

export interface TestRole {
  /** The URL given, connecting as the role. */
  url: string;
  name: string;
  /** Ends the role's sessions, drops what it owns and was granted in `url`'s database, then it. */
  drop(): Promise<void>;
}

/** A login role, not a superuser, with no privilege beyond PUBLIC's. */
export async function loginRole(url: string, prefix: string): Promise<TestRole> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await runAs(url, [`create role ${name} login`]);
  return {
    url: as(url, name),
    name,
    drop: () =>
      runAs(url, [
        `select pg_terminate_backend(pid) from pg_stat_activity where usename = '${name}'`,
        `drop owned by ${name}`,
        `drop role ${name}`,
      ]),
  };
}

/**
 * A login role with the runtime grants on `url`'s database (schema `public`, owned by `url`'s
 * user) and nothing more. PUBLIC's default TEMPORARY privilege on the database stays.
 */
export async function runtimeRole(url: string): Promise<TestRole> {
  const role = await loginRole(url, 'clearance_rt');
  await runAs(url, runtimeRoleGrants(role.name, new URL(url).username));
  return role;
}

/** `url` with `user` in place of its user. */
function as(url: string, user: string): string {
  const other = new URL(url);
  other.username = user;
  return other.toString();
}

/** Runs `statements` one by one on a connection of their own to `url`. */
export async function runAs(url: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
