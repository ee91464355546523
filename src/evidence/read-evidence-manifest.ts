/**
 * `evidence.yaml`: maps kinds to files that do not follow the conventional names.
 *
 *   predictions: eval/scores.parquet
 *   sbom: deps/bom.spdx.json
 *   documents:            # extra Markdown documents, by the name policies use
 *     fairness_review: reviews/fairness.md
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { evidenceKinds, type Problem } from '../domain/index.js';

// Stress sets are many files found by their robustness/ folder, not one file named here.
const singleKinds = evidenceKinds.filter(
  (k) => k !== 'document' && k !== 'other' && k !== 'robustness_predictions',
);

const schema = z.strictObject({
  ...Object.fromEntries(singleKinds.map((k) => [k, z.string().min(1).optional()])),
  data_fields: z.string().min(1).optional(),
  documents: z.record(z.string(), z.string().min(1)).optional(),
});

export interface EvidenceManifest {
  /** kind (or `data_fields`) → relative path. */
  files: Record<string, string>;
  /** document name → relative path. */
  documents: Record<string, string>;
}

export async function readEvidenceManifest(
  path: string,
  file: string,
): Promise<{ manifest: EvidenceManifest } | { problems: Problem[] }> {
  const doc = parseDocument(await readFile(path, 'utf8'));
  const fix = 'Map evidence kinds to relative paths, e.g. "predictions: eval/scores.csv".';
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const location = { file, ...(pos ? { line: pos.line, column: pos.col } : {}) };
    return {
      problems: [
        { location, message: `is not valid YAML (${error.message.split('\n')[0]}).`, fix },
      ],
    };
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => ({
        location: { file, field: issue.path.map(String).join('.') },
        message: issue.message,
        fix: `${fix} Known kinds: ${singleKinds.join(', ')}, data_fields, documents.`,
      })),
    };
  }
  const { documents, ...files } = parsed.data as Record<string, unknown> & {
    documents?: Record<string, string>;
  };
  const clean = Object.fromEntries(
    Object.entries(files).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  return { manifest: { files: clean, documents: documents ?? {} } };
}
