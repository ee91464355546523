/**
 * The `filter` of MLflow's search endpoints, as a small parser: clauses joined by `AND`, each
 * `<field> <op> <value>`. Fields: `name`, `run_id`, `version_number`, `source_path`,
 * `tags.<key>` (a key with spaces in backticks). Values: 'single' or "double" quoted text, integers,
 * or a parenthesised list of texts after `IN`. Parse results are values; the use case turns a
 * failure into INVALID_PARAMETER_VALUE.
 */

import { compileLike, type LikePattern, likePatternProblem, matchesLike } from './like-pattern.js';

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN';

export type FilterField =
  | { kind: 'name' }
  | { kind: 'run_id' }
  | { kind: 'version_number' }
  | { kind: 'source_path' }
  | { kind: 'tag'; key: string };

export type FilterValue = string | number | readonly string[];

export interface FilterClause {
  field: FilterField;
  op: FilterOp;
  value: FilterValue;
  /** A LIKE or ILIKE clause's pattern, compiled once for every row. */
  like?: LikePattern;
}

export type FilterParse = { ok: true; clauses: FilterClause[] } | { ok: false; message: string };

/** Which fields and operators each search accepts. */
export type FilterTarget = 'registered_models' | 'model_versions';

/** A parse step's failure, told apart from a parsed text value. */
interface Failure {
  error: string;
}

const fail = (error: string): Failure => ({ error });
const failed = (value: unknown): value is Failure =>
  typeof value === 'object' && value !== null && 'error' in value;

type Token =
  | { t: 'word'; v: string }
  | { t: 'text'; v: string }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' };

const maxFilterLength = 4096;

function readQuoted(text: string, at: number): { value: string; end: number } | undefined {
  const quote = text[at];
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return { value, end: i + 1 };
    value += c;
  }
  return undefined;
}

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      const quoted = readQuoted(text, i);
      if (!quoted) return `Unterminated ${c} at position ${i}`;
      tokens.push(
        c === '`' ? { t: 'word', v: `\`${quoted.value}` } : { t: 'text', v: quoted.value },
      );
      i = quoted.end;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '=='].includes(two) ? two : c;
      if (op === '!') return `Unexpected "!" at position ${i}`;
      tokens.push({ t: 'op', v: op === '==' ? '=' : op });
      i += op.length;
    } else {
      const word = /^[A-Za-z0-9_.\-+%]+/.exec(text.slice(i))?.[0];
      if (!word) return `Unexpected "${c}" at position ${i}`;
      // A tag key in backticks follows `tags.` directly: `tags.`my key``.
      const next = text[i + word.length];
      if (word.toLowerCase() === 'tags.' && next === '`') {
        const quoted = readQuoted(text, i + word.length);
        if (!quoted) return `Unterminated \` at position ${i + word.length}`;
        tokens.push({ t: 'word', v: `tags.\`${quoted.value}` });
        i = quoted.end;
        continue;
      }
      tokens.push(/^-?\d+$/.test(word) ? { t: 'number', v: Number(word) } : { t: 'word', v: word });
      i += word.length;
    }
  }
  return tokens;
}

function fieldOf(word: string, target: FilterTarget): FilterField | Failure {
  const lower = word.toLowerCase();
  if (lower.startsWith('tags.')) {
    const key = word.slice(5).replace(/^`/, '');
    return key === '' ? fail('A tag filter needs a key: tags.<key>') : { kind: 'tag', key };
  }
  const bare = lower.replace(/^attributes?\./, '');
  if (bare === 'name') return { kind: 'name' };
  if (target === 'model_versions') {
    if (bare === 'run_id') return { kind: 'run_id' };
    if (bare === 'version_number') return { kind: 'version_number' };
    if (bare === 'source_path') return { kind: 'source_path' };
  }
  const fields =
    target === 'model_versions'
      ? 'name, run_id, version_number, source_path or tags.<key>'
      : 'name or tags.<key>';
  return fail(`Invalid attribute key '${word}': search ${target} by ${fields}`);
}

const opsFor: Record<FilterField['kind'], readonly FilterOp[]> = {
  name: ['=', '!=', 'LIKE', 'ILIKE'],
  source_path: ['=', '!=', 'LIKE', 'ILIKE'],
  tag: ['=', '!=', 'LIKE', 'ILIKE'],
  run_id: ['=', '!=', 'IN'],
  version_number: ['=', '!=', '<', '<=', '>', '>='],
};

class Cursor {
  #i = 0;
  constructor(private readonly tokens: readonly Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.#i];
  }
  next(): Token | undefined {
    return this.tokens[this.#i++];
  }
}

function readOp(cursor: Cursor): FilterOp | Failure {
  const token = cursor.next();
  if (token?.t === 'op') return token.v as FilterOp;
  if (token?.t === 'word') {
    const upper = token.v.toUpperCase();
    if (upper === 'LIKE' || upper === 'ILIKE' || upper === 'IN') return upper;
  }
  return fail(`Expected a comparison operator, found ${describe(token)}`);
}

function readList(cursor: Cursor): readonly string[] | Failure {
  const open = cursor.next();
  if (!(open?.t === 'punct' && open.v === '('))
    return fail('IN needs a parenthesised list of quoted values');
  const values: string[] = [];
  for (;;) {
    const item = cursor.next();
    if (item?.t !== 'text')
      return fail(`Expected a quoted value in the IN list, found ${describe(item)}`);
    values.push(item.v);
    const sep = cursor.next();
    if (sep?.t === 'punct' && sep.v === ')') return values;
    if (!(sep?.t === 'punct' && sep.v === ',')) return fail('Expected "," or ")" in the IN list');
  }
}

function describe(token: Token | undefined): string {
  if (token === undefined) return 'the end of the filter';
  return token.t === 'text' ? `'${token.v}'` : `"${String(token.v)}"`;
}

function readValue(cursor: Cursor, field: FilterField, op: FilterOp): FilterValue | Failure {
  if (op === 'IN') return readList(cursor);
  const token = cursor.next();
  if (field.kind === 'version_number') {
    if (token?.t === 'number') return token.v;
    if (token?.t === 'text' && /^-?\d+$/.test(token.v)) return Number(token.v);
    return fail(`version_number compares with an integer, found ${describe(token)}`);
  }
  if (token?.t === 'text') return token.v;
  return fail(`Expected a quoted value, found ${describe(token)}`);
}

function readClause(cursor: Cursor, target: FilterTarget): FilterClause | Failure {
  const head = cursor.next();
  if (head?.t !== 'word') return fail(`Expected a field name, found ${describe(head)}`);
  const field = fieldOf(head.v, target);
  if (failed(field)) return field;
  const op = readOp(cursor);
  if (failed(op)) return op;
  if (!opsFor[field.kind].includes(op)) {
    return fail(
      `Invalid comparator '${op}' for ${head.v}: use one of ${opsFor[field.kind].join(', ')}`,
    );
  }
  const value = readValue(cursor, field, op);
  if (failed(value)) return value;
  if (op !== 'LIKE' && op !== 'ILIKE') return { field, op, value };
  const problem = likePatternProblem(String(value));
  if (problem !== undefined) return fail(`${problem} (clause ${head.v} ${op})`);
  return { field, op, value, like: compileLike(String(value), op === 'ILIKE') };
}

/** Parses a search filter; an empty or absent filter matches everything. */
export function parseSearchFilter(text: string | undefined, target: FilterTarget): FilterParse {
  if (text === undefined || text.trim() === '') return { ok: true, clauses: [] };
  if (text.length > maxFilterLength)
    return { ok: false, message: `The filter is longer than ${maxFilterLength} characters` };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  const cursor = new Cursor(tokens);
  const clauses: FilterClause[] = [];
  for (;;) {
    const clause = readClause(cursor, target);
    if (failed(clause)) return { ok: false, message: clause.error };
    clauses.push(clause);
    const joint = cursor.next();
    if (joint === undefined) return { ok: true, clauses };
    if (!(joint.t === 'word' && joint.v.toUpperCase() === 'AND'))
      return { ok: false, message: `Expected AND between clauses, found ${describe(joint)}` };
  }
}

/** SQL LIKE on one value (`like-pattern.ts`); a search compiles its pattern once instead. */
export function likeMatches(value: string, pattern: string, ignoreCase: boolean): boolean {
  return matchesLike(value, compileLike(pattern, ignoreCase));
}

/** What a clause reads from one record. */
export interface FilterSubject {
  name: string;
  runId?: string;
  version?: string;
  source?: string;
  /** A map, not an object: a key such as `constructor` or `__proto__` is a tag like any other. */
  tags: ReadonlyMap<string, string>;
}

function compareText(actual: string | undefined, clause: FilterClause): boolean {
  const { op, value } = clause;
  if (op === 'IN') return actual !== undefined && (value as readonly string[]).includes(actual);
  // As MLflow's SQL join: a record without the field matches no comparison, `!=` included.
  if (actual === undefined) return false;
  if (clause.like !== undefined) return matchesLike(actual, clause.like);
  const expected = String(value);
  return op === '=' ? actual === expected : actual !== expected;
}

function compareNumber(actual: string | undefined, op: FilterOp, value: number): boolean {
  const n = Number(actual);
  if (actual === undefined || !Number.isInteger(n)) return false;
  const checks: Record<string, boolean> = {
    '=': n === value,
    '!=': n !== value,
    '<': n < value,
    '<=': n <= value,
    '>': n > value,
    '>=': n >= value,
  };
  return checks[op] ?? false;
}

function fieldValue(subject: FilterSubject, field: FilterField): string | undefined {
  if (field.kind === 'tag') return subject.tags.get(field.key);
  if (field.kind === 'run_id') return subject.runId;
  if (field.kind === 'source_path') return subject.source;
  if (field.kind === 'version_number') return subject.version;
  return subject.name;
}

export function matchesFilter(subject: FilterSubject, clauses: readonly FilterClause[]): boolean {
  return clauses.every((clause) => {
    const actual = fieldValue(subject, clause.field);
    return clause.field.kind === 'version_number'
      ? compareNumber(actual, clause.op, clause.value as number)
      : compareText(actual, clause);
  });
}
