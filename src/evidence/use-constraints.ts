/** `useConstraints` in model card front matter → UseConstraints, validated with every bad key named. */
import { z } from 'zod';
import {
  ClearanceError,
  formatProblem,
  type Problem,
  type UseConstraints,
} from '../domain/index.js';

const schema = z.strictObject({
  intendedUse: z.string().optional(),
  prohibitedUses: z.array(z.string()).default([]),
  humanInTheLoop: z.boolean().optional(),
  forbiddenFeatures: z.array(z.string()).default([]),
});

export function parseUseConstraints(value: unknown, file: string): UseConstraints {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((issue) => ({
      location: { file, field: ['useConstraints', ...issue.path.map(String)].join('.') },
      message: `front matter ${issue.message}.`,
      fix: 'Write useConstraints as {intendedUse: text, prohibitedUses: [text], humanInTheLoop: true|false, forbiddenFeatures: [column]}.',
    }));
    throw new ClearanceError('invalid_evidence', problems.map((p) => formatProblem(p)).join('\n'), {
      problems,
    });
  }
  const { intendedUse, humanInTheLoop, prohibitedUses, forbiddenFeatures } = parsed.data;
  return {
    ...(intendedUse !== undefined ? { intendedUse } : {}),
    ...(humanInTheLoop !== undefined ? { humanInTheLoop } : {}),
    prohibitedUses,
    forbiddenFeatures,
  };
}
