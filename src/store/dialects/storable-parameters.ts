/**
 * The store's last line against text no engine can store (ADR 023): a statement with a string
 * parameter holding NUL or an unpaired surrogate is refused with `invalid_input` before it is
 * sent. Without it SQLite would store the text and PostgreSQL fail with 22021, a 500. The use
 * cases refuse such input first, naming the field (`bindUseCases`); this catches whatever reaches
 * a statement another way (a use case called directly, a job), naming the column from the SQL.
 */
import type { CompiledQuery } from 'kysely';
import { storableTextProblem, unstorableText } from '../../domain/index.js';

export function assertStorableParameters(query: CompiledQuery): void {
  const { parameters } = query;
  for (let index = 0; index < parameters.length; index++) {
    const value = parameters[index];
    if (typeof value !== 'string') continue;
    const problem = storableTextProblem(value);
    if (problem !== undefined) throw unstorableText(describeParameter(query.sql, index), problem);
  }
}

/** Placeholders as the engines write them: `$1` (PostgreSQL) or `?` (SQLite). */
const placeholder = /\$\d+|\?/g;

/** `insert into "t" ("a", "b") values `, anywhere (PostgreSQL's data-modifying WITH nests one). */
const insertInto = /insert into "?(\w+)"? \(([^)]*)\) values /gi;

/** Where parameter `index` goes, best effort from the SQL: `the value for models.description`. */
function describeParameter(sql: string, index: number): string {
  const offset = placeholderOffset(sql, index);
  const insert =
    offset === undefined
      ? undefined
      : [...sql.matchAll(insertInto)].findLast((m) => m.index + m[0].length <= offset);
  if (insert !== undefined && offset !== undefined) {
    const columns = (insert[2] ?? '').split(',').map((c) => c.trim().replace(/"/g, ''));
    const start = insert.index + insert[0].length;
    const ordinal = sql.slice(start, offset).match(placeholder)?.length ?? 0;
    return `the value for ${insert[1]}.${columns[ordinal % columns.length]}`;
  }
  const table = /(?:insert into|update|from)\s+"?(\w+)"?/i.exec(sql)?.[1];
  if (table === undefined) return 'a statement parameter';
  const before = offset === undefined ? '' : sql.slice(Math.max(0, offset - 120), offset);
  const column = /"(\w+)"\s*(?:=|<>|!=|<=|>=|<|>|like|in\s*\((?:[^()]*,\s*)?)\s*$/i.exec(
    before,
  )?.[1];
  return column === undefined
    ? `a value in a statement on ${table}`
    : `the value for ${table}.${column}`;
}

function placeholderOffset(sql: string, index: number): number | undefined {
  const numbered = new RegExp(`\\$${index + 1}(?!\\d)`).exec(sql);
  if (numbered !== null) return numbered.index;
  let seen = 0;
  for (const match of sql.matchAll(placeholder)) {
    if (match[0] === '?' && seen++ === index) return match.index;
  }
  return undefined;
}

/**
 * The same refusal for a row a repository is about to write in a statement whose SQL does not
 * name its columns plainly (the folded create of ADR 026), checked before anything else about
 * the write (its audit entry's encoding included), so the message names `table.column`.
 */
export function assertStorableRow(table: string, row: Readonly<Record<string, unknown>>): void {
  for (const [column, value] of Object.entries(row)) {
    if (typeof value !== 'string') continue;
    const problem = storableTextProblem(value);
    if (problem !== undefined) throw unstorableText(`the value for ${table}.${column}`, problem);
  }
}
