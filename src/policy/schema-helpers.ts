import { z } from 'zod';
import { durationExamples, parseDuration } from '../domain/duration.js';
import { type IssueParams, knownKeysMessage } from './zod-problems.js';

/** A mapping that refuses unknown keys, reporting its own keys for did-you-mean suggestions. */
export function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = knownKeysMessage(Object.keys(shape));
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? known : undefined),
  });
}

/**
 * Adds a custom issue. In `message` and `fix`, `{subject}` becomes the place ("'to' in
 * transition 2") and `{value}` the offending value, filled in when the issue is mapped.
 */
export function addProblem(
  ctx: z.core.$RefinementCtx,
  problem: { path?: PropertyKey[]; message: string; fix: string; allowed?: readonly string[] },
): void {
  const params: IssueParams = { fix: problem.fix };
  if (problem.allowed) params.allowed = problem.allowed;
  ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path ?? [], params });
}

/** Non-empty text. */
export const text = z.string().trim().min(1);

/** A name others refer to (gate ids, roles, states): no spaces, so it reads the same everywhere. */
export const identifier = z.string().superRefine((value, ctx) => {
  if (/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(value)) return;
  addProblem(ctx, {
    message: '{subject} is not a valid name: {value}.',
    fix: "Use letters, digits, '_', '-', '.' or ':', starting with a letter or digit.",
  });
});

export const finite = z.number().refine(Number.isFinite, { error: 'must be finite' });

/** Percent of traffic, in (0, 100]. */
export const percent = z.number().gt(0).lte(100);

export const count = (minimum: number) => z.number().int().gte(minimum);

/**
 * A duration as `parseDuration` reads it (`15m`, `48h`, `1h30m`), kept as written: the policy
 * holds `DurationText` and the engine converts when it needs milliseconds.
 */
export const duration = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string') {
    const ms = parseDuration(value);
    if (ms !== undefined && ms > 0) return value;
  }
  addProblem(ctx, {
    message: '{subject} is not a duration: {value}.',
    fix: `Write a positive whole number and a unit (w, d, h, m, s, ms), largest first, for example ${durationExamples.join(', ')}.`,
  });
  return z.NEVER;
});
