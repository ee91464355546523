import type { z } from 'zod';
import { closestMatch } from './closest-match.js';
import { describeContainer, describePath } from './describe-path.js';
import type { DataPath, PathTarget } from './source-map.js';

/** A problem before it has a line and column: where it is in the data, and what to say. */
export interface PathProblem {
  path: DataPath;
  target: PathTarget;
  message: string;
  fix: string;
}

/** Custom issues carry their own fix; this is how schema refinements pass it along. */
export interface IssueParams {
  fix?: string;
  /** Values shown as "must be one of …" with a did-you-mean suggestion. */
  allowed?: readonly string[];
}

/**
 * Zod drops the schema from the issues it returns, so strict objects put their known keys in the
 * `unrecognized_keys` message, comma-separated, for the did-you-mean suggestion below.
 */
export const knownKeysMessage = (keys: readonly string[]): string => keys.join(',');

export function valueAt(root: unknown, path: DataPath): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment))
      return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function isMissing(root: unknown, path: DataPath): boolean {
  if (path.length === 0) return root === undefined;
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  return (
    parent !== null &&
    typeof parent === 'object' &&
    !Array.isArray(parent) &&
    key !== undefined &&
    (!Object.hasOwn(parent, key) || (parent as Record<PropertyKey, unknown>)[key] === undefined)
  );
}

/** How a value reads in a message: `'text'`, `42`, "a list", "empty". */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string')
    return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const typeNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

export const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Turns one Zod issue into problems with plain-language messages (one per unknown key). */
export function issueToProblems(
  issue: z.core.$ZodIssue,
  base: DataPath,
  root: unknown,
): PathProblem[] {
  const path: DataPath = [...base, ...issue.path];
  const subject = describePath(path);
  const actual = valueAt(root, path);
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && path.length > 0) {
    if (isMissing(root, path)) return [missingKey(path, issue)];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = issue.message.split(',').filter((key) => key !== '');
      return issue.keys.map((key) => {
        const suggestion = closestMatch(key, known);
        return {
          path: [...path, key],
          target: 'key',
          message: `Unknown key '${key}' ${describeContainer(path)}${suggestion ? `; did you mean '${suggestion}'?` : '.'}`,
          fix: suggestion
            ? `Rename '${key}' to '${suggestion}'.`
            : `Remove '${key}'; the keys allowed here are: ${known.join(', ')}.`,
        };
      });
    }
    case 'invalid_type': {
      const expected = typeNames[issue.expected] ?? issue.expected;
      return [
        {
          path,
          target: 'value',
          message: sentence(`${subject} must be ${expected}, not ${show(actual)}.`),
          fix: `Write ${subject} as ${expected}.`,
        },
      ];
    }
    case 'invalid_value':
      return [oneOf(path, subject, actual, issue.values.map(String))];
    case 'too_small':
    case 'too_big':
      return [bounds(issue, path, subject, actual)];
    case 'invalid_union':
      return unionProblems(issue, base, root, path, subject);
    case 'custom': {
      const params = (issue.params ?? {}) as IssueParams;
      if (params.allowed) return [oneOf(path, subject, actual, params.allowed)];
      const fill = (template: string) =>
        template.replaceAll('{subject}', subject).replaceAll('{value}', show(actual));
      return [
        {
          path,
          target: 'value',
          message: sentence(fill(issue.message)),
          fix: sentence(fill(params.fix ?? '')),
        },
      ];
    }
    default:
      return [
        {
          path,
          target: 'value',
          message: sentence(`${subject} is not valid: ${issue.message}.`),
          fix: 'Correct the value as the policy reference describes.',
        },
      ];
  }
}

function missingKey(
  path: DataPath,
  issue: z.core.$ZodIssueInvalidType | z.core.$ZodIssueInvalidValue,
): PathProblem {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const wanted =
    issue.code === 'invalid_type'
      ? (typeNames[issue.expected] ?? issue.expected)
      : issue.values.map((value) => `'${String(value)}'`).join(' or ');
  return {
    path: parent,
    target: 'value',
    message: `Missing required key '${key}' ${describeContainer(parent)}.`,
    fix: `Add '${key}:' with ${wanted}.`,
  };
}

function oneOf(
  path: DataPath,
  subject: string,
  actual: unknown,
  allowed: readonly string[],
): PathProblem {
  const suggestion = typeof actual === 'string' ? closestMatch(actual, allowed) : undefined;
  const list = allowed.map((value) => `'${value}'`).join(', ');
  return {
    path,
    target: 'value',
    message: sentence(
      allowed.length === 1
        ? `${subject} must be ${list}, not ${show(actual)}.`
        : `${subject} must be one of ${list}, not ${show(actual)}.`,
    ),
    fix: suggestion ? `Did you mean '${suggestion}'?` : `Use one of: ${allowed.join(', ')}.`,
  };
}

function bounds(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  path: DataPath,
  subject: string,
  actual: unknown,
): PathProblem {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'array') {
    const count = `${small ? 'at least' : 'at most'} ${limit} ${limit === 1 ? 'item' : 'items'}`;
    return {
      path,
      target: 'value',
      message: sentence(`${subject} needs ${count}.`),
      fix: small
        ? `Add ${count === 'at least 1 item' ? 'an item' : 'items'} to ${subject}.`
        : `Remove items.`,
    };
  }
  if (issue.origin === 'string') {
    return {
      path,
      target: 'value',
      message: sentence(`${subject} must not be empty.`),
      fix: `Write a value for ${subject}.`,
    };
  }
  const relation = small
    ? inclusive
      ? 'at least'
      : 'greater than'
    : inclusive
      ? 'at most'
      : 'less than';
  return {
    path,
    target: 'value',
    message: sentence(`${subject} must be ${relation} ${String(limit)}, not ${show(actual)}.`),
    fix: `Use a value ${relation} ${String(limit)}.`,
  };
}

/**
 * A union fails as a whole; when the value had the right type for one branch, that branch's
 * issues are the useful ones ("role 2 needs an id"), not "does not match any of".
 */
function unionProblems(
  issue: z.core.$ZodIssueInvalidUnion,
  base: DataPath,
  root: unknown,
  path: DataPath,
  subject: string,
): PathProblem[] {
  const unionBase = [...base, ...issue.path];
  const expected: string[] = [];
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && !(first.code === 'invalid_type' && first.path.length === 0)) {
      return branch.flatMap((inner) => issueToProblems(inner, unionBase, root));
    }
    if (first?.code === 'invalid_type') expected.push(typeNames[first.expected] ?? first.expected);
  }
  const wanted = expected.length > 0 ? expected.join(' or ') : 'a different value';
  return [
    {
      path,
      target: 'value',
      message: sentence(`${subject} must be ${wanted}, not ${show(valueAt(root, path))}.`),
      fix: `Write ${subject} as ${wanted}.`,
    },
  ];
}
