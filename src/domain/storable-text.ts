/**
 * Text every engine can store: no NUL (U+0000), which PostgreSQL's `text` cannot hold (SQLite
 * would keep it, so the engines would disagree), and no unpaired UTF-16 surrogate, which has no
 * UTF-8 form (PostgreSQL refuses it, SQLite would store mangled bytes, and RFC 8785 hashing
 * refuses it). One definition for the HTTP edge, the use cases and the store (ADR 023).
 */
import { type ClearanceError, invalidInput } from './errors.js';

/** What makes `text` unstorable, for a message, or undefined when it is storable. */
export function storableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (U+0000)';
  if (!text.isWellFormed()) return 'an unpaired UTF-16 surrogate';
  return undefined;
}

/** The one-sentence fix every refusal of unstorable text gives. */
export const storableTextFix =
  'Remove it: names, ids and text fields cannot hold NUL (U+0000) or unpaired UTF-16 surrogates; send well-formed text.';

/** `invalid_input` for unstorable text in `field` (say where: `description of registerModel`). */
export function unstorableText(field: string, problem: string): ClearanceError {
  const message = `${field} contains ${problem}.`;
  return invalidInput(message.charAt(0).toUpperCase() + message.slice(1), storableTextFix);
}

/** A path segment as a message shows it, shortened so a hostile key cannot flood the message. */
function segment(key: string): string {
  const safe = storableTextProblem(key) === undefined ? key : JSON.stringify(key).slice(1, -1);
  return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A value still to look at, and how it was reached: its path is spelled out only for a refusal. */
interface Pending {
  value: unknown;
  parent: Pending | undefined;
  key: string | number | undefined;
}

function pathOf(entry: Pending, root: string): string {
  const keys: (string | number)[] = [];
  for (let at: Pending | undefined = entry; at?.key !== undefined; at = at.parent)
    keys.push(at.key);
  let path = root;
  for (const key of keys.reverse()) {
    if (typeof key === 'number') path = `${path}[${key}]`;
    else path = path === '' ? segment(key) : `${path}.${segment(key)}`;
  }
  return path;
}

/**
 * Throws `invalid_input` naming the field when a string anywhere in `value` — in plain objects
 * and arrays, keys included — is not storable text. `field` is the path of `value` itself (''
 * for an input object, whose fields are then named bare, or `argument 2`); `of` is whose input it
 * is. Other objects (bytes, streams, dates, functions) are not looked into: they are not text.
 * Iterative, so a deep value cannot overflow the stack; on the hot path of every use case call,
 * so paths are spelled out only for a refusal.
 */
export function assertStorableInput(value: unknown, options: { field: string; of: string }): void {
  const where = (entry: Pending) => {
    const path = pathOf(entry, options.field);
    return `${path.startsWith('argument ') ? path : `field ${path}`} of ${options.of}`;
  };
  const pending: Pending[] = [{ value, parent: undefined, key: undefined }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const item = next.value;
    if (typeof item === 'string') {
      const problem = storableTextProblem(item);
      if (problem !== undefined) throw unstorableText(where(next), problem);
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) {
        pending.push({ value: item[index], parent: next, key: index });
      }
      continue;
    }
    if (!isPlainObject(item)) continue;
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child: Pending = { value: record[key], parent: next, key };
      const problem = storableTextProblem(key);
      if (problem !== undefined) throw unstorableText(`the key ${where(child)}`, problem);
      pending.push(child);
    }
  }
}
