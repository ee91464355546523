import type { Kysely } from 'kysely';
import { entryModel } from '../../audit/index.js';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

const backfillPage = 5000;

/**
 * The audit explorer filters the log by model, actor, action and time on the server. Model is no
 * column of `audit_entries` (an entry names it in its data or subject), and the log is append-only,
 * so `audit_entry_models` holds (model, seq) for each entry about a model — written with the entry
 * from now on, backfilled here from the entries already in the log. Actor and time get
 * (column, seq) indexes; action has one since 0006.
 */
export const auditFilters: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createTable('audit_entry_models')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_entry_models_pk', ['model', 'seq'])
      .execute();
    await db.schema
      .createIndex('audit_entries_by_actor')
      .on('audit_entries')
      .columns(['actor_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('audit_entries_by_time')
      .on('audit_entries')
      .columns(['time', 'seq'])
      .execute();
    await backfill(db);
  },
});

async function backfill(db: MigrationDb): Promise<void> {
  // Migrations do not compile against the current schema; these two tables are all it touches.
  const typed = db as unknown as Kysely<{
    audit_entries: { seq: number | string | bigint; entry: string };
    audit_entry_models: { model: string; seq: number };
  }>;
  for (let after = -1; ; ) {
    const rows = await typed
      .selectFrom('audit_entries')
      .select(['seq', 'entry'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(backfillPage)
      .execute();
    const models = rows.flatMap((row) => {
      const model = entryModel(JSON.parse(row.entry));
      return model === undefined ? [] : [{ model, seq: Number(row.seq) }];
    });
    if (models.length > 0) await typed.insertInto('audit_entry_models').values(models).execute();
    const last = rows.at(-1);
    if (last === undefined || rows.length < backfillPage) return;
    after = Number(last.seq);
  }
}
