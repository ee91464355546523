/**
 * `evidence.yaml`: maps kinds to files that do not follow the conventional names.
 *
 *   predictions: eval/scores.parquet
 *   sbom: deps/bom.spdx.json
 *   documents:            # extra Markdown documents, by the name policies use
 *     fairness_review: reviews/fairness.md
 */
import { z } from 'zod';
import {
  evidenceFormatLimits,
  evidenceKinds,
  type Problem,
  parseEvidenceYaml,
  sizeProblem,
} from '../domain/index.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';

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
  source: EvidenceFiles = diskEvidenceFiles,
): Promise<{ manifest: EvidenceManifest } | { problems: Problem[] }> {
  const fix = 'Map evidence kinds to relative paths, e.g. "predictions: eval/scores.csv".';
  const size = await source.size(path);
  // Refused unread: a manifest is a few lines, and the YAML limits bound what is parsed.
  const read =
    size > evidenceFormatLimits.maxYamlBytes
      ? {
          ok: false as const,
          problem: sizeProblem('the manifest', size, evidenceFormatLimits.maxYamlBytes),
        }
      : parseEvidenceYaml(await source.readText(path), 'the manifest');
  if (!read.ok) {
    const { line, column, message, fix: limitFix } = read.problem;
    const location = {
      file,
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
    };
    return { problems: [{ location, message, fix: read.problem.limit ? limitFix : fix }] };
  }
  const parsed = schema.safeParse(read.value ?? {});
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
