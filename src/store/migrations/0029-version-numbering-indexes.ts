import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * MLflow numbers a new version one past the highest integer among its model's version names
 * (`VersionRepository.numberingNames`). Read through the key, that scanned every version of the
 * model twice per registration. Two partial indexes make it two short walks:
 * - `versions_by_number`: the names of 1–15 digits alone, in numeric order (their length without
 *   leading zeros, then their text), so the highest is the first entry from the top;
 * - `versions_number_like`: every other name not led by an ASCII letter or "_" (which only
 *   `Infinity` among numbers is): "1e3", "2.0", "0x1F", a semantic version's "1.2.0", and a name
 *   an MLflow import brought with leading white space (" 10"), which `Number` reads as 10.
 * Their predicates are the repository's, word for word: an engine uses a partial index only for a
 * query whose conditions include the index's own (test/store/query-plans.test.ts).
 */
export const versionNumberingIndexes: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await sql`
      create index if not exists versions_by_number
        on versions (model, length(ltrim(version, '0')), ltrim(version, '0'))
        where length(version) between 1 and 15 and ltrim(version, '0123456789') = ''`.execute(db);
    await sql`
      create index if not exists versions_number_like on versions (model, version)
        where not (length(version) between 1 and 15 and ltrim(version, '0123456789') = '')
          and ltrim(substr(version, 1, 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_') <> ''`.execute(
      db,
    );
  },
});
