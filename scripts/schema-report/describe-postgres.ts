/** Reads a PostgreSQL database's `public` schema from the system catalogs. */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  byName,
  type Definition,
  type EngineSchema,
  type ForeignKeySchema,
  ignoredTables,
  type KeySchema,
  type TableSchema,
} from './schema-types.js';

type Db = Kysely<unknown>;

interface ConstraintRow {
  name: string;
  type: 'p' | 'u' | 'f' | 'c' | string;
  definition: string;
  columns: string[];
  referenced_table: string | null;
  referenced_columns: string[] | null;
  on_update: string;
  on_delete: string;
}

/** `pg_constraint.confupdtype` / `confdeltype` codes; `a` (NO ACTION) is left unsaid. */
const actions: Record<string, string> = {
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export async function describePostgres(db: Db): Promise<EngineSchema> {
  const { rows } = await sql<{ oid: number; name: string }>`
    select c.oid, c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p')
    order by c.relname collate "C"`.execute(db);
  const tables: TableSchema[] = [];
  for (const row of rows) {
    if (!ignoredTables.includes(row.name)) tables.push(await describeTable(db, row));
  }
  return { tables, functions: await describeFunctions(db) };
}

async function describeTable(db: Db, table: { oid: number; name: string }): Promise<TableSchema> {
  const columns = await sql<{
    name: string;
    type: string;
    not_null: boolean;
    default_value: string | null;
  }>`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
       a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default_value
     from pg_attribute a
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = ${table.oid} and a.attnum > 0 and not a.attisdropped
     order by a.attnum`.execute(db);
  const constraints = await describeConstraints(db, table.oid);
  const keys = (type: string): KeySchema[] =>
    constraints
      .filter((c) => c.type === type)
      .map((c) => ({ name: c.name, columns: c.columns }))
      .sort(byName);
  return {
    name: table.name,
    columns: columns.rows.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: !c.not_null,
      defaultValue: c.default_value ?? undefined,
    })),
    primaryKey: keys('p')[0],
    uniqueConstraints: keys('u'),
    foreignKeys: constraints.filter((c) => c.type === 'f').map(foreignKey),
    checks: constraints
      .filter((c) => c.type === 'c')
      .map((c) => ({ name: c.name, sql: c.definition }))
      .sort(byName),
    indexes: await describeIndexes(db, table.oid),
    triggers: await describeTriggers(db, table.oid),
  };
}

async function describeConstraints(db: Db, table: number): Promise<ConstraintRow[]> {
  const { rows } = await sql<ConstraintRow>`
    select c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as definition,
      ${columnNames(sql.ref('c.conrelid'), sql.ref('c.conkey'))} as columns,
      c.confrelid::regclass::text as referenced_table,
      ${columnNames(sql.ref('c.confrelid'), sql.ref('c.confkey'))} as referenced_columns,
      c.confupdtype as on_update, c.confdeltype as on_delete
    from pg_constraint c
    where c.conrelid = ${table}
    order by c.conname collate "C"`.execute(db);
  return rows;
}

/** Column names of `keys` (attribute numbers) of `relation`, in key order, as text[]. */
function columnNames(
  relation: RawBuilder<unknown>,
  keys: RawBuilder<unknown>,
): RawBuilder<string[]> {
  return sql<string[]>`array(
    select a.attname::text
    from unnest(${keys}) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = ${relation} and a.attnum = k.attnum
    order by k.ord)`;
}

function foreignKey(row: ConstraintRow): ForeignKeySchema {
  return {
    columns: row.columns,
    table: row.referenced_table ?? '',
    references: row.referenced_columns ?? [],
    actions: [
      ...(actions[row.on_update] === undefined ? [] : [`on update ${actions[row.on_update]}`]),
      ...(actions[row.on_delete] === undefined ? [] : [`on delete ${actions[row.on_delete]}`]),
    ],
  };
}

/** Indexes other than those backing a constraint (primary key, unique, exclusion). */
async function describeIndexes(db: Db, table: number): Promise<Definition[]> {
  const { rows } = await sql<Definition>`
    select i.relname as name, pg_get_indexdef(x.indexrelid) as sql
    from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = ${table}
      and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
    order by i.relname collate "C"`.execute(db);
  return rows;
}

/** The definition, and when the trigger fires other than by default, the `ALTER TABLE` mode. */
async function describeTriggers(db: Db, table: number): Promise<Definition[]> {
  const { rows } = await sql<Definition>`
    select tgname as name, pg_get_triggerdef(oid) || case tgenabled
        when 'A' then ' -- ENABLE ALWAYS' when 'R' then ' -- ENABLE REPLICA'
        when 'D' then ' -- DISABLE' else '' end as sql
    from pg_trigger
    where tgrelid = ${table} and not tgisinternal
    order by tgname collate "C"`.execute(db);
  return rows;
}

/** Each function's definition, and the REVOKE that takes EXECUTE from PUBLIC where it was taken. */
async function describeFunctions(db: Db): Promise<Definition[]> {
  const { rows } = await sql<Definition>`
    select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' as name,
      pg_get_functiondef(p.oid) || case when has_function_privilege('public', p.oid, 'execute')
        then '' else E'\n' || format('REVOKE EXECUTE ON FUNCTION %I.%I(%s) FROM PUBLIC;',
          n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) end as sql
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'`.execute(db);
  return rows.sort(byName);
}
