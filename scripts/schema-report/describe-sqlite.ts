/** Reads a SQLite database's schema from `sqlite_master` and the `pragma_*` table functions. */
import { type Kysely, sql } from 'kysely';
import {
  byName,
  type CheckSchema,
  compareText,
  type Definition,
  type EngineSchema,
  type ForeignKeySchema,
  ignoredTables,
  type KeySchema,
  type TableSchema,
} from './schema-types.js';

type Db = Kysely<unknown>;

interface MasterRow {
  name: string;
  sql: string | null;
}

export async function describeSqlite(db: Db): Promise<EngineSchema> {
  const { rows } = await sql<MasterRow>`
    select name, sql from sqlite_master
    where type = 'table' and name not like 'sqlite\\_%' escape '\\'
    order by name`.execute(db);
  const tables: TableSchema[] = [];
  for (const row of rows) {
    if (!ignoredTables.includes(row.name)) tables.push(await describeTable(db, row));
  }
  return { tables, functions: [] };
}

async function describeTable(db: Db, table: MasterRow): Promise<TableSchema> {
  const columns = await sql<{
    name: string;
    type: string;
    not_null: number;
    dflt_value: string | null;
    pk: number;
  }>`select name, type, "notnull" as not_null, dflt_value, pk
     from pragma_table_xinfo(${table.name}) where hidden = 0 order by cid`.execute(db);
  const keyColumns = columns.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const { uniqueConstraints, indexes } = await describeIndexes(db, table.name);
  return {
    name: table.name,
    columns: columns.rows.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.not_null === 0,
      defaultValue: c.dflt_value ?? undefined,
    })),
    primaryKey:
      keyColumns.length === 0
        ? undefined
        : { name: undefined, columns: keyColumns.map((c) => c.name) },
    uniqueConstraints,
    foreignKeys: await describeForeignKeys(db, table.name),
    checks: checkClauses(table.sql ?? ''),
    indexes,
    triggers: await describeTriggers(db, table.name),
  };
}

/**
 * `origin` tells how an index came to be: `pk` backs the primary key (shown there), `u` a
 * UNIQUE constraint, `c` a CREATE INDEX statement (shown by its SQL).
 */
async function describeIndexes(
  db: Db,
  table: string,
): Promise<{ uniqueConstraints: KeySchema[]; indexes: Definition[] }> {
  const { rows } = await sql<{ name: string; origin: string; sql: string | null }>`
    select l.name, l.origin, m.sql
    from pragma_index_list(${table}) as l
    left join sqlite_master as m on m.type = 'index' and m.name = l.name`.execute(db);
  const uniqueConstraints: KeySchema[] = [];
  const indexes: Definition[] = [];
  for (const index of rows) {
    if (index.origin === 'u') {
      uniqueConstraints.push({ name: index.name, columns: await indexColumns(db, index.name) });
    } else if (index.origin === 'c') {
      indexes.push({ name: index.name, sql: index.sql ?? '' });
    }
  }
  return { uniqueConstraints: uniqueConstraints.sort(byName), indexes: indexes.sort(byName) };
}

async function indexColumns(db: Db, index: string): Promise<string[]> {
  const { rows } = await sql<{ name: string | null }>`
    select name from pragma_index_info(${index}) order by seqno`.execute(db);
  return rows.map((row) => row.name ?? '(expression)');
}

async function describeForeignKeys(db: Db, table: string): Promise<ForeignKeySchema[]> {
  const { rows } = await sql<{
    id: number;
    table: string;
    from: string;
    to: string | null;
    on_update: string;
    on_delete: string;
  }>`select id, "table", "from", "to", on_update, on_delete
     from pragma_foreign_key_list(${table}) order by id, seq`.execute(db);
  const byId = new Map<number, ForeignKeySchema>();
  for (const row of rows) {
    const key = byId.get(row.id) ?? {
      columns: [],
      table: row.table,
      references: [],
      actions: referentialActions(row.on_update, row.on_delete),
    };
    key.columns.push(row.from);
    // A reference to the parent's primary key without naming its columns reads back as NULL.
    key.references.push(row.to ?? '(primary key)');
    byId.set(row.id, key);
  }
  // SQLite numbers foreign keys in reverse order of declaration; sort for a stable report.
  return [...byId.values()].sort((a, b) => compareText(a.columns.join(','), b.columns.join(',')));
}

function referentialActions(onUpdate: string, onDelete: string): string[] {
  return [
    ...(onUpdate === 'NO ACTION' ? [] : [`on update ${onUpdate.toLowerCase()}`]),
    ...(onDelete === 'NO ACTION' ? [] : [`on delete ${onDelete.toLowerCase()}`]),
  ];
}

async function describeTriggers(db: Db, table: string): Promise<Definition[]> {
  const { rows } = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master
    where type = 'trigger' and tbl_name = ${table} order by name`.execute(db);
  return rows;
}

/**
 * SQLite keeps CHECK constraints only in the CREATE TABLE text, so they are cut out of it:
 * each `check (` up to its balanced closing parenthesis (quoted text is not special-cased; the
 * migrations' checks hold no parentheses inside strings).
 */
function checkClauses(createTable: string): CheckSchema[] {
  const found: CheckSchema[] = [];
  for (const match of createTable.matchAll(/\bcheck\s*\(/gi)) {
    let depth = 0;
    const start = match.index;
    for (let i = start + match[0].length - 1; i < createTable.length; i += 1) {
      if (createTable[i] === '(') depth += 1;
      if (createTable[i] === ')') depth -= 1;
      if (depth === 0) {
        found.push({ name: undefined, sql: createTable.slice(start, i + 1) });
        break;
      }
    }
  }
  return found.sort((a, b) => compareText(a.sql, b.sql));
}
