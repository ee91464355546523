/**
 * A PostgreSQL role of a test's own, never a superuser: what Clearance runs as in a deployment
 * that keeps the migration owner apart from the runtime role (docs/operations.md, "Database
 * roles"). Created and dropped through the test's (superuser) connection.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The statements docs/operations.md gives for the runtime role; `role` and `schema` quoted. */
export function runtimeRoleGrants(role: string, schema: string): string[] {
  return [
    `grant usage on schema ${schema} to ${role}`,
    `grant select, insert, update, delete on all tables in schema ${schema} to ${role}`,
    `grant usage, select on all sequences in schema ${schema} to ${role}`,
  ];
}

export interface TestRole {
  /** `url`, connecting as the role. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A login role with the runtime grants on `url`'s database (schema `public`) and nothing more: no
 * table of its own, not a superuser. PUBLIC's default TEMPORARY privilege on the database stays.
 */
export async function runtimeRole(url: string): Promise<TestRole> {
  const name = `clearance_rt_${randomBytes(5).toString('hex')}`;
  await asAdmin(url, [`create role ${name} login`, ...runtimeRoleGrants(name, 'public')]);
  const as = new URL(url);
  as.username = name;
  return {
    url: as.toString(),
    name,
    drop: () =>
      asAdmin(url, [
        `select pg_terminate_backend(pid) from pg_stat_activity where usename = '${name}'`,
        `drop owned by ${name}`,
        `drop role ${name}`,
      ]),
  };
}

async function asAdmin(url: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
