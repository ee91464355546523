/**
 * Lineage JSON. Only the shape is checked here (an object of scalar fields); whether a commit
 * hash or seed is well-formed is the reproducibility gate's verdict, so it can say `fail`.
 */
import { ClearanceError, formatProblem, type Lineage, type Problem } from '../domain/index.js';
import { readJsonFile } from './read-json-file.js';

export async function readLineage(path: string): Promise<Lineage> {
  const { value } = await readJsonFile(path);
  return parseLineage(value, path);
}

export function parseLineage(value: unknown, file: string): Lineage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const problem: Problem = {
      location: { file },
      message: `lineage must be a JSON object, not ${Array.isArray(value) ? 'an array' : String(value === null ? 'null' : typeof value)}.`,
      fix: 'Write {"codeCommit": "…", "dataSnapshotId": "…", "configDigest": "sha256:…", "seed": 42}.',
    };
    throw new ClearanceError('invalid_evidence', formatProblem(problem), { problems: [problem] });
  }
  const problems: Problem[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (field !== null && typeof field === 'object') {
      problems.push({
        location: { file, field: key },
        message: `lineage field "${key}" is ${Array.isArray(field) ? 'an array' : 'an object'}, not a string, number or boolean.`,
        fix: 'Flatten it into scalar fields (e.g. "dataSnapshotId": "snap-2026-07-01").',
      });
    }
  }
  if (problems.length > 0) {
    throw new ClearanceError('invalid_evidence', problems.map((p) => formatProblem(p)).join('\n'), {
      problems,
    });
  }
  return { ...value } as Lineage;
}
