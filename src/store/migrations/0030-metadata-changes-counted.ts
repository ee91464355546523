import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * A model's change count (`version_changes`, 0017) moves with its MLflow metadata and its serving
 * row too: triggers on `model_tags`, `model_aliases`, `version_tags`, `version_descriptions` and
 * `serving`, as 0017's on `versions` and `version_states`, in the changing transaction. What the
 * MLflow API answers for a model (its versions, their states, tags and descriptions, its aliases
 * and the version its governed aliases name) can then be kept in memory under the count and read
 * again only for the models whose count moved (ADR 048), where any commit used to drop all of it.
 * The model's own row is not counted: readers take it fresh. The new triggers fire in every
 * session (0020) and find their tables by the pinned search path (0021, 0023). The count becomes a
 * 64-bit integer on PostgreSQL (SQLite's are already). The SQL comes from the dialect and is part
 * of this migration.
 */
export const metadataChangesCounted: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    // Dropped first, so the migration can run again over its own triggers.
    for (const table of countedTables) {
      const statements = [
        ...dialect.dropVersionChangeStatements(table),
        ...dialect.versionChangeStatements(table),
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    }
    for (const statement of dialect.fireAlwaysStatements()) {
      await sql.raw(statement).execute(db);
    }
    // Counted on every metadata write now too: PostgreSQL's `integer` would stop a model's
    // writes at 2³¹ changes (a tag every 10 ms reaches it in about 248 days).
    for (const statement of dialect.wideCounterStatements('version_changes', 'changes')) {
      await sql.raw(statement).execute(db);
    }
  },
});

/** Tables whose rows name a model (`model`) and make up its MLflow records. */
const countedTables = [
  'model_tags',
  'model_aliases',
  'version_tags',
  'version_descriptions',
  'serving',
] as const;
