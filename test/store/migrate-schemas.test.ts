/**
 * Several Clearances in one PostgreSQL database, one schema each (chosen by the connection's
 * `search_path`): each migrates and finds its own migration tables. Kysely's migrator looks for
 * `kysely_migration` in every schema unless told which one, so a second schema used to take the
 * first one's tables for its own and then fail to query them.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { createStore, migrationNames, openDialect } from '../../src/store/index.js';
import { eachEngine, urlInSchema } from './engines.js';
import { seedVersion } from './fixtures.js';

eachEngine('migrations in several schemas', (engine) => {
  const postgresOnly = it.runIf(engine.name === 'postgres');

  /** Opens (and so migrates) the store, writes and reads through it, and closes it. */
  async function usable(open: Promise<Store>): Promise<void> {
    const store = await open;
    try {
      const { version } = await store.transaction(seedVersion);
      const read = await store.read((tx) => tx.versions.get(version.model, version.version));
      expect(read?.version).toBe(version.version);
    } finally {
      await store.close();
    }
  }

  postgresOnly('migrates a second schema of a database whose first is migrated', async () => {
    // The file's database comes migrated in `public` (the template); a second team's Clearance
    // gets a schema of its own in the same database.
    await usable(createStore(engine.config()));
    const { db } = engine.openDialect();
    await sql`create schema team_b`.execute(db);
    await usable(createStore({ engine: 'postgres', url: urlInSchema(engine, 'team_b') }));

    // Both at latest, each with its own migration tables; `public`, migrated before the
    // migrator named its schema, still opens and works.
    await usable(createStore({ engine: 'postgres', url: urlInSchema(engine, 'public') }));
    await usable(createStore({ engine: 'postgres', url: urlInSchema(engine, 'team_b') }));
    for (const schema of ['public', 'team_b']) {
      const { rows } = await sql<{ name: string }>`
        select name from ${sql.id(schema, 'kysely_migration')} order by name`.execute(db);
      expect({ schema, names: rows.map((r) => r.name) }).toStrictEqual({
        schema,
        names: [...migrationNames],
      });
    }
    const { rows: tables } = await sql<{ schema: string }>`
      select table_schema as schema from information_schema.tables
      where table_name = 'kysely_migration_lock' order by table_schema`.execute(db);
    expect(tables.map((t) => t.schema)).toStrictEqual(['public', 'team_b']);
  });

  postgresOnly(
    'refuses to migrate a schema that appeared ahead of the one holding the registry',
    async () => {
      // Migrated in `public`; later a schema named after the role appears, and the default
      // search path (`"$user", public`) now puts it first. Migrating there would give every
      // unqualified query a fresh, empty registry.
      const store = await createStore(engine.config());
      const { version } = await store.transaction(seedVersion);
      await store.close();
      const { db } = engine.openDialect();
      const { rows } = await sql<{ user: string }>`select current_user as user`.execute(db);
      const role = rows[0]?.user ?? 'postgres';
      await sql`create schema ${sql.id(role)}`.execute(db);
      try {
        await expect(createStore(engine.config())).rejects.toThrow(
          `Clearance's tables are in schema "public", but the connection's current schema is "${role}"`,
        );
        const { rows: created } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_schema = ${role}`.execute(
          db,
        );
        expect(created[0]?.n).toBe(0);

        // The fix the message names: the search path in the URL.
        const pinned = await createStore({
          engine: 'postgres',
          url: urlInSchema(engine, 'public'),
        });
        try {
          const read = await pinned.read((tx) => tx.versions.get(version.model, version.version));
          expect(read?.version).toBe(version.version);
        } finally {
          await pinned.close();
        }
      } finally {
        await sql`drop schema if exists ${sql.id(role)}`.execute(db);
      }
      await usable(createStore(engine.config()));
    },
  );

  postgresOnly(
    'migrates a second Clearance whose chosen search path also names the first one’s schema',
    async () => {
      // `search_path=team_c,public` set in the URL on purpose (extensions live in `public`): the
      // unqualified `kysely_migration` resolves to public's until team_c has its own, yet this
      // is a new Clearance in team_c, not the registry in `public` seen through a stray schema.
      await usable(createStore(engine.config()));
      const { db } = engine.openDialect();
      await sql`create schema team_c`.execute(db);
      try {
        await usable(
          createStore({ engine: 'postgres', url: urlInSchema(engine, 'team_c,public') }),
        );
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from information_schema.tables
          where table_schema = 'team_c' and table_name = 'kysely_migration'`.execute(db);
        expect(rows[0]?.n).toBe(1);
      } finally {
        await sql`drop schema team_c cascade`.execute(db);
      }
    },
  );

  postgresOnly(
    'migrations wait for a write transaction in progress, holding the write lock',
    async () => {
      // An older server's governed write during a rolling upgrade: holding the write lock, it
      // takes tables in its own order; a migration that took them in another would deadlock it
      // (40P01, migration 0022). Migrations take the write lock first, so they queue behind it.
      const writer = await createStore(engine.config());
      const { db } = engine.openDialect();
      await sql`create schema upgrading`.execute(db);
      let release = (): void => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = (): void => {};
      const holding = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const write = writer.transaction(async (tx) => {
        await seedVersion(tx);
        locked();
        await held;
      });
      await holding;
      let migrated = false;
      const migrating = createStore({
        engine: 'postgres',
        url: urlInSchema(engine, 'upgrading'),
      }).then((store) => {
        migrated = true;
        return store;
      });
      try {
        let waiting = 0;
        for (let i = 0; i < 100 && waiting === 0 && !migrated; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted and database = (
            select oid from pg_database where datname = current_database())`.execute(db);
          waiting = rows[0]?.n ?? 0;
        }
        expect({ migrated, waiting }).toStrictEqual({ migrated: false, waiting: 1 });
      } finally {
        release();
        await write;
        await (await migrating).close();
        await writer.close();
      }
      await usable(createStore({ engine: 'postgres', url: urlInSchema(engine, 'upgrading') }));
    },
  );

  postgresOnly('wakes the job runners of every schema of the database', async () => {
    // Documented as shared (docs/operations.md): the channel is named once, not per schema.
    await usable(createStore(engine.config()));
    const { db } = engine.openDialect();
    await sql`create schema team_jobs`.execute(db);
    await usable(createStore({ engine: 'postgres', url: urlInSchema(engine, 'team_jobs') }));
    const announcing = openDialect({ engine: 'postgres', url: urlInSchema(engine, 'public') });
    const listening = openDialect({ engine: 'postgres', url: urlInSchema(engine, 'team_jobs') });
    let woken = (): void => {};
    const wake = new Promise<string>((resolve) => {
      woken = () => resolve('woken');
    });
    const stop = await listening.watchJobsDue?.(woken);
    try {
      announcing.announceJobsDue();
      const timeout = new Promise<string>((resolve) =>
        setTimeout(() => resolve('not woken'), 5000),
      );
      expect(await Promise.race([wake, timeout])).toBe('woken');
    } finally {
      await stop?.();
      await announcing.destroy();
      await listening.destroy();
    }
  });
});
