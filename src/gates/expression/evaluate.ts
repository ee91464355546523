/**
 * Evaluates a parsed expression against an environment of evidence. Total: every failure is an
 * {@link ExprError} value, never an exception, so a gate cannot be crashed by its expression.
 */
import type { BinaryOperator, Expr } from './ast.js';
import {
  ExprError,
  isError,
  isMap,
  type Result,
  typeName,
  type Value,
  valuesEqual,
} from './values.js';

export type Environment = Readonly<Record<string, Value | ExprError>>;

/** Field paths read during evaluation and their values, for the decision record. */
export type Trace = Record<string, unknown>;

const fail = (message: string, column: number) => new ExprError(message, column);

/** `metrics.auc`, `lineage["seed"]` → a readable path, when the expression is a plain path. */
function pathOf(expr: Expr): string | undefined {
  if (expr.kind === 'identifier') return expr.name;
  if (expr.kind === 'member') {
    const base = pathOf(expr.object);
    return base === undefined ? undefined : `${base}.${expr.name}`;
  }
  if (expr.kind === 'index' && expr.index.kind === 'literal') {
    const base = pathOf(expr.object);
    return base === undefined ? undefined : `${base}[${JSON.stringify(expr.index.value)}]`;
  }
  return undefined;
}

function select(object: Result, key: string, expr: Expr, trace: Trace): Result {
  if (isError(object)) return object;
  if (!isMap(object)) return fail(`cannot select "${key}" from a ${typeName(object)}`, expr.column);
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  const path = pathOf(expr) ?? key;
  if (value === undefined) {
    const parent = expr.kind === 'member' ? pathOf(expr.object) : undefined;
    const known = Object.keys(object).slice(0, 12).join(', ') || 'none';
    const where = parent === undefined ? 'name' : `field in ${parent}`;
    return fail(`unknown ${where} "${key}" (known: ${known})`, expr.column);
  }
  if (isError(value)) return fail(`${path} ${value.message}`, expr.column);
  if (!isMap(value) && !Array.isArray(value)) trace[path] = value;
  return value;
}

function index(object: Result, key: Result, column: number): Result {
  if (isError(object)) return object;
  if (isError(key)) return key;
  if (Array.isArray(object)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= object.length) {
      return fail(
        `index ${JSON.stringify(key)} is out of range for a list of ${object.length}`,
        column,
      );
    }
    return object[key] as Value;
  }
  if (isMap(object) && typeof key === 'string') {
    const value = Object.hasOwn(object, key) ? object[key] : undefined;
    return value === undefined ? fail(`no field "${key}"`, column) : value;
  }
  return fail(`cannot index a ${typeName(object)} with a ${typeName(key)}`, column);
}

/** CEL's commutative `&&`/`||`: a deciding operand (false for &&, true for ||) absorbs errors. */
function logical(op: '&&' | '||', left: Result, right: () => Result, column: number): Result {
  const decisive = op === '||';
  if (left === decisive) return decisive;
  const r = right();
  if (r === decisive) return decisive;
  if (isError(left)) return left;
  if (isError(r)) return r;
  if (typeof left !== 'boolean' || typeof r !== 'boolean') {
    return fail(`"${op}" needs booleans, not ${typeName(left)} and ${typeName(r)}`, column);
  }
  return !decisive;
}

function arithmetic(op: BinaryOperator, a: Value, b: Value, column: number): Result {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a !== 'number' || typeof b !== 'number') {
    return fail(`"${op}" needs numbers, not ${typeName(a)} and ${typeName(b)}`, column);
  }
  if ((op === '/' || op === '%') && b === 0) return fail(`division by zero`, column);
  const value =
    op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  return Number.isFinite(value) ? value : fail(`"${op}" overflowed`, column);
}

function relation(op: BinaryOperator, a: Value, b: Value, column: number): Result {
  if (op === '==') return valuesEqual(a, b);
  if (op === '!=') return !valuesEqual(a, b);
  if (op === 'in') {
    if (Array.isArray(b)) return b.some((item: Value) => valuesEqual(a, item));
    if (isMap(b) && typeof a === 'string') return Object.hasOwn(b, a);
    return fail(`"in" needs a list or a map on the right, not ${typeName(b)}`, column);
  }
  const comparable =
    (typeof a === 'number' && typeof b === 'number') ||
    (typeof a === 'string' && typeof b === 'string');
  if (!comparable)
    return fail(`cannot compare ${typeName(a)} with ${typeName(b)} using "${op}"`, column);
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function binary(expr: Extract<Expr, { kind: 'binary' }>, env: Environment, trace: Trace): Result {
  if (expr.op === '&&' || expr.op === '||') {
    const left = evaluate(expr.left, env, trace);
    return logical(expr.op, left, () => evaluate(expr.right, env, trace), expr.column);
  }
  const left = evaluate(expr.left, env, trace);
  const right = evaluate(expr.right, env, trace);
  if (isError(left)) return left;
  if (isError(right)) return right;
  if (['+', '-', '*', '/', '%'].includes(expr.op))
    return arithmetic(expr.op, left, right, expr.column);
  return relation(expr.op, left, right, expr.column);
}

function call(expr: Extract<Expr, { kind: 'call' }>, env: Environment, trace: Trace): Result {
  const [first] = expr.args;
  if (expr.name === 'has') {
    if (first?.kind !== 'member') return fail('has() needs a field selection', expr.column);
    const object = evaluate(first.object, env, trace);
    if (isError(object)) return object;
    if (!isMap(object)) return fail(`has() cannot look into a ${typeName(object)}`, expr.column);
    return Object.hasOwn(object, first.name);
  }
  const args: Value[] = [];
  for (const arg of expr.args) {
    const value = evaluate(arg, env, trace);
    if (isError(value)) return value;
    args.push(value);
  }
  const [a] = args;
  if (expr.name === 'size') {
    if (typeof a === 'string') return [...a].length;
    if (Array.isArray(a)) return a.length;
    if (a !== undefined && isMap(a)) return Object.keys(a).length;
    return fail(`size() needs a string, list or map, not ${typeName(a ?? null)}`, expr.column);
  }
  if (!args.every((v): v is number => typeof v === 'number')) {
    return fail(`${expr.name}() needs numbers`, expr.column);
  }
  if (expr.name === 'abs') return Math.abs(args[0] ?? 0);
  return expr.name === 'min' ? Math.min(...args) : Math.max(...args);
}

/** The value of `expr` in `env`, recording every scalar field it reads in `trace`. */
export function evaluate(expr: Expr, env: Environment, trace: Trace): Result {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'list': {
      const items: Value[] = [];
      for (const item of expr.items) {
        const value = evaluate(item, env, trace);
        if (isError(value)) return value;
        items.push(value);
      }
      return items;
    }
    case 'identifier':
      return select(env, expr.name, expr, trace);
    case 'member':
      return select(evaluate(expr.object, env, trace), expr.name, expr, trace);
    case 'index':
      return index(
        evaluate(expr.object, env, trace),
        evaluate(expr.index, env, trace),
        expr.column,
      );
    case 'unary': {
      const operand = evaluate(expr.operand, env, trace);
      if (isError(operand)) return operand;
      if (expr.op === '!') {
        return typeof operand === 'boolean'
          ? !operand
          : fail(`"!" needs a bool, not ${typeName(operand)}`, expr.column);
      }
      return typeof operand === 'number'
        ? -operand
        : fail(`"-" needs a number, not ${typeName(operand)}`, expr.column);
    }
    case 'binary':
      return binary(expr, env, trace);
    case 'call':
      return call(expr, env, trace);
  }
}
