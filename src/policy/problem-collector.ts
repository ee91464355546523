import type { z } from 'zod';
import type { DataPath } from './source-map.js';
import { issueToProblems, type PathProblem, sentence, valueAt } from './zod-problems.js';

/**
 * Gathers problems while the policy is parsed piece by piece. Each section, transition and gate is
 * parsed on its own so one bad gate does not hide the problems of the next: the user sees every
 * problem in one run.
 */
export class ProblemCollector {
  readonly errors: PathProblem[] = [];
  readonly warnings: PathProblem[] = [];

  constructor(readonly root: unknown) {}

  /** The parsed value at `path`, or `undefined` after recording why it does not parse. */
  parse<Schema extends z.ZodType>(schema: Schema, path: DataPath): z.output<Schema> | undefined {
    const result = schema.safeParse(valueAt(this.root, path));
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      this.errors.push(...issueToProblems(issue, path, this.root));
    }
    return undefined;
  }

  error(path: DataPath, message: string, fix: string, target: 'key' | 'value' = 'value'): void {
    this.errors.push({ path, target, message: sentence(message), fix });
  }

  warn(path: DataPath, message: string, fix: string): void {
    this.warnings.push({ path, target: 'value', message: sentence(message), fix });
  }
}

type Compact<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Drops keys whose value is `undefined`. The domain types use exact optional properties, and the
 * digest must not depend on whether an absent key was spelled out.
 */
export function compact<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Compact<T>;
}
