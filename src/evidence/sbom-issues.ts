/** Turns Zod issues on an SBOM into one refusal listing every bad path. */
import type { z } from 'zod';
import { ClearanceError, formatProblem, type Problem } from '../domain/index.js';

export function sbomSchemaError(file: string, format: string, error: z.ZodError): ClearanceError {
  const problems: Problem[] = error.issues.slice(0, 20).map((issue) => ({
    location: { file, field: issue.path.map(String).join('.') || '(root)' },
    message: `${format}: ${issue.message}.`,
    fix: `Check the field against the ${format} JSON schema, or regenerate the SBOM.`,
  }));
  return new ClearanceError('invalid_evidence', problems.map((p) => formatProblem(p)).join('\n'), {
    problems,
  });
}
