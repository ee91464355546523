import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import { queryIdFor } from './dialects/group-commit.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import type { Database } from './schema.js';

/** Where a parameter goes while a query is compiled once: found again in the parameter list. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * The SQL texts compiled here, each with a name: on PostgreSQL they run as named prepared
 * statements, parsed once per connection (postgres-named-statements.ts, ADR 021). A bounded set:
 * one per query and engine, or one per shape of a shaped query (at most `shapesPerQuery`), so a
 * connection holds a bounded number of them.
 */
const statementNames = new Map<string, string>();

/** The statement name of a text `preparedQuery` compiled, if it is one. */
export function preparedStatementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

interface Template<P> {
  compiled: CompiledQuery;
  /** The parameters it was compiled with: a call with others would lose or misplace values. */
  names: readonly string[];
  /** Each bound value: a parameter of the call, by name, or a constant of the query. */
  bind: (params: P) => unknown[];
}

/**
 * A query built and compiled once per engine, then run with new values: what a hot read costs
 * Kysely is building the operation tree and compiling it to SQL on every call (a fifth of a
 * one-row read's CPU), for the same text each time. `build` must give the same shape whatever the
 * values (no branches on them): it runs once, with each parameter standing in as a marker, and
 * the markers' places in the compiled parameter list are where later calls' values go. The SQL
 * text depends only on the engine, so templates are kept per Kysely adapter, which every
 * connection and transaction of one database shares.
 */
export function preparedQuery<P extends Record<string, unknown>, O>(
  build: (db: Kysely<Database>, params: P) => Compilable<O>,
): (db: Kysely<Database>, params: P) => Promise<O[]> {
  const templates = new WeakMap<object, Template<P>>();
  return (db, params) => runTemplate(templates, db, params, build);
}

/** The dialect's row lock, as a locking query's `build` applies it. */
type Lock = StoreDialect['lockForUpdate'];

/**
 * `preparedQuery` for a read that locks its rows (`SELECT … FOR UPDATE` on PostgreSQL): `build`
 * applies `lock`, the dialect's own `lockForUpdate`, so each engine's template carries its own
 * locking clause. A dialect belongs to one engine, as a template does, so the lock is fixed per
 * template like the rest of its text.
 */
export function preparedLockingQuery<P extends Record<string, unknown>, O>(
  build: (db: Kysely<Database>, params: P, lock: Lock) => Compilable<O>,
): (
  context: { db: Kysely<Database>; dialect: Pick<StoreDialect, 'lockForUpdate'> },
  params: P,
) => Promise<O[]> {
  const templates = new WeakMap<object, Template<P>>();
  return ({ db, dialect }, params) =>
    runTemplate(templates, db, params, (on, slots) => build(on, slots, dialect.lockForUpdate));
}

/** Runs `params` through the engine's template, compiling it from `build` on the first call. */
async function runTemplate<P extends Record<string, unknown>, O>(
  templates: WeakMap<object, Template<P>>,
  db: Kysely<Database>,
  params: P,
  build: (db: Kysely<Database>, params: P) => Compilable<O>,
): Promise<O[]> {
  const adapter = db.getExecutor().adapter;
  let made = templates.get(adapter);
  if (made === undefined) {
    made = compileTemplate(db, params, build);
    templates.set(adapter, made);
  }
  assertSameParameters(made.names, params);
  // Executed as compiled, past Kysely's plugins: marked here with its write's fence, if any.
  const result = await db.executeQuery<O>({
    ...made.compiled,
    queryId: queryIdFor(db),
    parameters: made.bind(params),
  });
  return result.rows;
}

function compileTemplate<P extends Record<string, unknown>, O>(
  db: Kysely<Database>,
  params: P,
  build: (db: Kysely<Database>, params: P) => Compilable<O>,
): Template<P> {
  const names = Object.keys(params);
  const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as P;
  const compiled = build(db, slots).compile();
  const places = compiled.parameters.map((value) =>
    value instanceof Slot ? { name: value.name } : { value },
  );
  for (const name of names) {
    if (!places.some((place) => 'name' in place && place.name === name)) {
      throw new Error(`Prepared query parameter ${name} is not bound in: ${compiled.sql}`);
    }
  }
  if (!statementNames.has(compiled.sql)) {
    statementNames.set(compiled.sql, `clearance_${statementNames.size + 1}`);
  }
  return {
    compiled,
    names,
    bind: (values) => places.map((place) => ('name' in place ? values[place.name] : place.value)),
  };
}

/**
 * A template's SQL was built from its first call's parameters; a later call with one more (an
 * optional field that call left out) would have that value silently dropped. A bug: it throws.
 */
function assertSameParameters(names: readonly string[], params: Record<string, unknown>): void {
  let count = 0;
  for (const key in params) {
    if (Object.hasOwn(params, key)) count++;
  }
  if (count === names.length && names.every((name) => Object.hasOwn(params, name))) return;
  throw new Error(
    `Prepared query called with parameters ${Object.keys(params).join(', ')}; it was compiled with ${names.join(', ')}. Pass every parameter on every call (null for none).`,
  );
}

/** Where a value of a shaped call goes: its keys and indexes from the call's parameters down. */
class PathSlot {
  constructor(readonly path: readonly (string | number)[]) {}

  /** A marker made into text would be baked into the template as a constant: a bug, refused. */
  [Symbol.toPrimitive](): never {
    throw new Error(
      `Shaped query parameter ${this.path.join('.')} was used as text while its query was built; bind it as a value.`,
    );
  }
}

/** Templates a shaped query keeps per engine; calls of further shapes are built as Kysely does. */
const shapesPerQuery = 32;

interface ShapedTemplate {
  compiled: CompiledQuery;
  bind: (params: unknown) => unknown[];
}

/**
 * `preparedQuery` for a query whose text depends on the call's shape: which optional parameters
 * it passes, which are null, true or false (Kysely writes `is null`, `is true` into the text), how
 * many items each list holds (an `in (…)` list, a multi-row insert) and the keys of each record
 * in it. Parameters are data: a Kysely expression or a function among them is refused. Callers
 * whose lists are sets pass them sorted and without repeats, so that one set is one shape.
 *
 * A template is compiled per shape, at most `shapesPerQuery` per engine (PostgreSQL names each
 * text, so a connection holds a bounded number of statements); a call of a further shape is built
 * and compiled on every call, as before. As with `preparedQuery`, `build` may branch on the shape
 * but never on a value: it runs once per shape, each value standing in as a marker.
 */
export function shapedQuery<P extends Record<string, unknown>, O>(
  build: (db: Kysely<Database>, params: P) => Compilable<O>,
): (db: Kysely<Database>, params: P) => Promise<O[]> {
  const templates = new WeakMap<object, Map<string, ShapedTemplate>>();
  return async (db, params) => {
    const adapter = db.getExecutor().adapter;
    let byShape = templates.get(adapter);
    if (byShape === undefined) {
      byShape = new Map();
      templates.set(adapter, byShape);
    }
    const shape = shapeOf(params);
    let made = byShape.get(shape);
    if (made === undefined) {
      if (byShape.size >= shapesPerQuery) {
        // Compiled through the handle's plugins, its work's fence among them.
        return (await db.executeQuery<O>(build(db, params))).rows;
      }
      made = compileShaped(db, params, build);
      byShape.set(shape, made);
    }
    const result = await db.executeQuery<O>({
      ...made.compiled,
      queryId: queryIdFor(db),
      parameters: made.bind(params),
    });
    return result.rows;
  };
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * What a template depends on, as text: records by their defined keys in order (quoted, so no key
 * can read as another shape), lists by their items, null, true and false apart from other values
 * (Kysely writes them into the text after `is`). Key order counts: a multi-row insert takes its
 * columns from its rows' keys in the order first seen.
 */
function shapeOf(value: unknown): string {
  if (value === null) return 'n';
  if (value === true) return 't';
  if (value === false) return 'f';
  if (Array.isArray(value)) {
    let text = '[';
    for (const item of value) text += `${shapeOf(item)},`;
    return `${text}]`;
  }
  if (isPlainRecord(value)) {
    let text = '{';
    for (const key in value) {
      const item = value[key];
      if (item !== undefined) text += `${JSON.stringify(key)}:${shapeOf(item)},`;
    }
    return `${text}}`;
  }
  assertData(value);
  return 'v';
}

/** A value Kysely would build into the query rather than bind: not a parameter. */
function assertData(value: unknown): void {
  const builds =
    typeof value === 'function' ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { toOperationNode?: unknown }).toOperationNode === 'function');
  if (builds) {
    throw new Error(
      'A shaped query takes data as parameters, not Kysely expressions or functions; build those into the query.',
    );
  }
}

/**
 * `value` with a marker for each value in it, as `shapeOf` walks it; each marker put in `made`.
 * Null, true and false stay as they are: they are part of the shape, so of the template's text.
 */
function markers(value: unknown, path: readonly (string | number)[], made: PathSlot[]): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item, i) => markers(item, [...path, i], made));
  if (isPlainRecord(value)) {
    const marked: Record<string, unknown> = {};
    for (const key in value) {
      const item = value[key];
      if (item !== undefined) marked[key] = markers(item, [...path, key], made);
    }
    return marked;
  }
  const slot = new PathSlot(path);
  made.push(slot);
  return slot;
}

function valueAt(params: unknown, path: readonly (string | number)[]): unknown {
  let value = params;
  for (const step of path) value = (value as Record<string | number, unknown>)[step];
  return value;
}

function compileShaped<P extends Record<string, unknown>, O>(
  db: Kysely<Database>,
  params: P,
  build: (db: Kysely<Database>, params: P) => Compilable<O>,
): ShapedTemplate {
  const slots: PathSlot[] = [];
  const compiled = build(db, markers(params, [], slots) as P).compile();
  const bound = new Set(compiled.parameters.filter((value) => value instanceof PathSlot));
  const unbound = slots.find((slot) => !bound.has(slot));
  if (unbound !== undefined) {
    throw new Error(
      `Shaped query parameter ${unbound.path.join('.')} is not bound in: ${compiled.sql}`,
    );
  }
  const places = compiled.parameters.map((value) =>
    value instanceof PathSlot ? { path: value.path } : { value },
  );
  if (!statementNames.has(compiled.sql)) {
    statementNames.set(compiled.sql, `clearance_${statementNames.size + 1}`);
  }
  return {
    compiled,
    bind: (values) =>
      places.map((place) => ('path' in place ? valueAt(values, place.path) : place.value)),
  };
}
