/**
 * Text every request must pass before anything reads it: no NUL (U+0000) and no unpaired UTF-16
 * surrogate in path parameters, query values or JSON bodies (PostgreSQL's `text` cannot hold
 * NUL, and a lone surrogate has no UTF-8 form), and JSON no deeper than `maxJsonDepth`.
 */
import {
  ClearanceError,
  type Problem,
  storableTextFix,
  storableTextProblem,
} from '../domain/index.js';

/** Deepest JSON body accepted: an object or array inside 64 others. */
export const maxJsonDepth = 64;

/** Where in the request a value came from, for the message: `query parameter path`. */
type Place = 'path parameter' | 'query parameter' | 'body';

const textProblem = storableTextProblem;

function refusal(where: string, what: string): ClearanceError {
  const message = `The request's ${where} contains ${what}.`;
  const problem: Problem = {
    message,
    fix: storableTextFix,
  };
  return new ClearanceError('invalid_input', message, { problems: [problem] });
}

/** JSON Pointer segment (RFC 6901), shortened so a hostile key cannot flood the message. */
function pointerSegment(key: string | number): string {
  const text = String(key).replace(/~/g, '~0').replace(/\//g, '~1');
  const safe = textProblem(text) === undefined ? text : JSON.stringify(text).slice(1, -1);
  return safe.length > 40 ? `${safe.slice(0, 40)}…` : safe;
}

/** Throws `invalid_input` when a string (key or value) in `record` is not storable text. */
export function assertTextParameters(place: Place, record: unknown): void {
  if (record === null || typeof record !== 'object') return;
  for (const [key, value] of Object.entries(record)) {
    const keyProblem = textProblem(key);
    if (keyProblem) throw refusal(`${place} name ${pointerSegment(key)}`, keyProblem);
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      const problem = typeof item === 'string' ? textProblem(item) : undefined;
      if (problem) throw refusal(`${place} ${pointerSegment(key)}`, problem);
    }
  }
}

/**
 * Throws `invalid_input` when the parsed JSON body nests deeper than `maxJsonDepth` or holds a
 * key or string that is not storable text. Iterative, so a hostile depth cannot overflow the stack.
 */
export function assertJsonBody(body: unknown): void {
  const pending: { value: unknown; depth: number; pointer: string }[] = [
    { value: body, depth: 0, pointer: '' },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth, pointer } = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) throw refusal(`body at ${pointer || '/'}`, problem);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxJsonDepth) throw tooDeep(pointer);
    const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
    for (const [key, child] of entries) {
      const childPointer = `${pointer}/${pointerSegment(key)}`;
      if (typeof key === 'string') {
        const problem = textProblem(key);
        if (problem) throw refusal(`body key at ${childPointer}`, problem);
      }
      pending.push({ value: child, depth: depth + 1, pointer: childPointer });
    }
  }
}

function tooDeep(pointer: string): ClearanceError {
  const shown = pointer.length > 200 ? `${pointer.slice(0, 200)}…` : pointer;
  const message = `The JSON body nests deeper than ${maxJsonDepth} levels (at ${shown || '/'}).`;
  return new ClearanceError('invalid_input', message, {
    problems: [
      {
        message,
        fix: `Flatten the document: objects and arrays may nest at most ${maxJsonDepth} deep.`,
      },
    ],
  });
}
