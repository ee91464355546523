/**
 * The start-up check of Clearance's trigger functions (PostgreSQL): a role that owns them can
 * `CREATE OR REPLACE` one (attack-pass finding L3), or change whose rights it runs with and where
 * it searches, and the server says so at start, naming it, while a database as the migrations
 * left it starts quietly. SQLite's triggers have no functions.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { eachEngine } from './engines.js';

eachEngine('trigger functions as the migrations created them', (engine) => {
  it('starts quietly on a database as the migrations left it', async () => {
    await engine.openStore();
    const warnings: string[] = [];
    const store = await createStore(engine.config(), { warn: (m) => warnings.push(m) });
    await store.close();
    expect(warnings).toEqual([]);
    expect(await engine.openDialect().triggerFunctionsChanged()).toEqual([]);
  });

  it.runIf(engine.name === 'postgres')(
    'warns at start of a trigger function replaced, by name',
    async () => {
      await engine.openStore();
      const dialect = engine.openDialect();
      const { db } = dialect;
      await sql
        .raw(
          `create or replace function clearance_refuse_change() returns trigger language plpgsql ` +
            `as $$ begin if tg_op = 'DELETE' then return old; end if; return new; end $$`,
        )
        .execute(db);
      try {
        const warnings: string[] = [];
        const store = await createStore(engine.config(), { warn: (m) => warnings.push(m) });
        await store.close();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(
          "Trigger functions of Clearance's are not what the migrations created",
        );
        expect(warnings[0]).toContain(': clearance_refuse_change.');
        expect(await dialect.triggerFunctionsChanged()).toEqual(['clearance_refuse_change']);
      } finally {
        // The function and its search path, as the migrations create them.
        for (const statement of dialect.appendOnlyStatements('audit_entries').slice(0, 2)) {
          await sql.raw(statement).execute(db);
        }
      }
      expect(await dialect.triggerFunctionsChanged()).toEqual([]);
    },
  );

  it.runIf(engine.name === 'postgres')(
    "warns at start of a counter function run with the caller's rights or searching elsewhere",
    async () => {
      // The same source, its attributes cleared: what `create or replace` of the text in the
      // schema report without its SECURITY DEFINER and SET lines leaves (ADR 036).
      await engine.openStore();
      const dialect = engine.openDialect();
      const { db } = dialect;
      await sql`alter function clearance_bump_identity_epoch() security invoker`.execute(db);
      await sql`alter function clearance_count_commit() reset search_path`.execute(db);
      await sql`alter function clearance_refuse_change() set search_path = pg_temp, public`.execute(
        db,
      );
      try {
        const warnings: string[] = [];
        const store = await createStore(engine.config(), { warn: (m) => warnings.push(m) });
        await store.close();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(
          ': clearance_refuse_change, clearance_count_commit, clearance_bump_identity_epoch.',
        );
      } finally {
        for (const statement of [
          ...dialect.searchPathStatements(),
          ...dialect.ownerRightsStatements(),
        ]) {
          await sql.raw(statement).execute(db);
        }
      }
      expect(await dialect.triggerFunctionsChanged()).toEqual([]);
    },
  );
});
