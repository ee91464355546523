/**
 * Reads an evidence directory into an EvidenceBundle. A malformed item becomes a problem in the
 * bundle, not a throw, so only the gates that need that item report `error`.
 */
import { join } from 'node:path';
import {
  type EvaluationSetSpec,
  type EvidenceBundle,
  type EvidenceKind,
  type EvidenceProblem,
  isClearanceError,
} from '../domain/index.js';
import {
  classifyEvidenceFile,
  dataFieldsFile,
  isScannableText,
  manifestFiles,
} from './classify-evidence-file.js';
import { fileDigest } from './digest.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { normaliseHeading } from './normalise-heading.js';
import { parseDataFields } from './parse-data-fields.js';
import { readDocument } from './read-document.js';
import { readEvidenceManifest } from './read-evidence-manifest.js';
import { readJsonFile } from './read-json-file.js';
import { parseLineage } from './read-lineage.js';
import { readLoadTest } from './read-load-test.js';
import { parseMetrics } from './read-metrics.js';
import { readPredictions } from './read-predictions.js';
import { parseSbom } from './read-sbom.js';

export interface LoadEvidenceOptions {
  /** Predictions are read only when given: it names the label, score, baseline and id columns. */
  evaluationSet?: EvaluationSetSpec;
  /** Categorical prediction columns to keep (fairness attributes). */
  groupColumns?: string[];
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Where `dir` and its files are read from; on disk unless given. */
  files?: EvidenceFiles;
}

const documentKinds = new Set<EvidenceKind>([
  'model_card',
  'evaluation_report',
  'monitoring_plan',
  'rollback_plan',
  'robustness_report',
]);
const jsonDataKinds = new Set<EvidenceKind>(['scan_results', 'drift_baseline']);

export async function loadEvidenceBundle(
  dir: string,
  options: LoadEvidenceOptions = {},
): Promise<EvidenceBundle> {
  const source = options.files ?? diskEvidenceFiles;
  const bundle: EvidenceBundle = { root: dir, items: [], documents: {}, texts: [], problems: [] };
  const files = await source.list(dir);
  const { chosen, documents, stressSets } = await assignKinds({ dir, files, bundle, source });
  for (const path of files) {
    const absolute = join(dir, path);
    const { digest, size } = await fileDigest(absolute, source);
    const kind = kindOf(path, chosen, documents);
    bundle.items.push({ kind, path, digest, size });
    if (isScannableText(path, size)) {
      bundle.texts.push({ path, content: await source.readText(absolute) });
    }
  }
  for (const [kind, path] of chosen) {
    await capture(bundle, kind, () => readItem(bundle, kind, join(dir, path), path, options));
  }
  for (const [name, path] of documents) {
    const kind = chosen.get('model_card') === path ? 'model_card' : 'document';
    await capture(bundle, 'document', async () => {
      bundle.documents[name] = await readDocument(join(dir, path), kind, source);
    });
  }
  await readStressSets(bundle, dir, stressSets, options);
  if (options.evaluationSet && !chosen.has('predictions')) {
    bundle.problems.push({
      kind: 'predictions',
      message: `no predictions file in ${dir}.`,
      fix: "Add predictions.csv (or .jsonl/.ndjson/.parquet) with the evaluation set's label and score columns, or name the file in evidence.yaml.",
      location: { file: dir },
    });
  }
  return bundle;
}

function kindOf(
  path: string,
  chosen: Map<EvidenceKind | 'data_fields', string>,
  documents: Map<string, string>,
): EvidenceKind {
  for (const [kind, p] of chosen) if (p === path && kind !== 'data_fields') return kind;
  for (const p of documents.values()) if (p === path) return 'document';
  const { kind } = classifyEvidenceFile(path);
  // A second SBOM or predictions file that lost to a higher-ranked one is kept as plain evidence.
  return kind === 'document' || kind === 'other' || kind === 'robustness_predictions'
    ? kind
    : 'other';
}

/** Picks one file per kind (manifest first, then conventional names by rank) and the documents. */
async function assignKinds(input: {
  dir: string;
  files: string[];
  bundle: EvidenceBundle;
  source: EvidenceFiles;
}) {
  const { dir, files, bundle, source } = input;
  const chosen = new Map<EvidenceKind | 'data_fields', string>();
  const documents = new Map<string, string>();
  const stressSets = new Map<string, string>();
  const best = new Map<EvidenceKind, number>();
  for (const path of files) {
    if (path === dataFieldsFile) chosen.set('data_fields', path);
    const { kind, rank } = classifyEvidenceFile(path);
    if (kind === 'other') continue;
    if (kind === 'robustness_predictions') {
      stressSets.set(path.slice(path.indexOf('/') + 1, path.lastIndexOf('.')), path);
      continue;
    }
    if (kind === 'document') {
      const name = normaliseHeading(path.replace(/\.md$/i, ''));
      if (!documents.has(name)) documents.set(name, path);
      continue;
    }
    if (rank < (best.get(kind) ?? Number.POSITIVE_INFINITY)) {
      best.set(kind, rank);
      chosen.set(kind, path);
    }
  }
  const manifestPath = files.find((f) => manifestFiles.includes(f));
  if (manifestPath) {
    const result = await readManifest(join(dir, manifestPath), source);
    if ('problems' in result) {
      for (const p of result.problems) bundle.problems.push({ kind: 'other', ...p });
    } else {
      const { manifest } = result;
      const declared = [...Object.entries(manifest.files), ...Object.entries(manifest.documents)];
      for (const [key, path] of declared) {
        const normal = path.replace(/^\.\//, '');
        if (!files.includes(normal)) {
          bundle.problems.push({
            kind:
              key in manifest.documents && !(key in manifest.files)
                ? 'document'
                : (key as EvidenceKind),
            message: `evidence.yaml names ${key}: ${path}, but that file is not in ${dir}.`,
            fix: 'Correct the path in evidence.yaml (relative to the evidence directory) or add the file.',
            location: { file: join(dir, manifestPath), field: key },
          });
        }
      }
      for (const [kind, path] of Object.entries(manifest.files)) {
        if (files.includes(path)) chosen.set(kind as EvidenceKind, path);
      }
      for (const [name, path] of Object.entries(manifest.documents)) {
        if (files.includes(path)) documents.set(normaliseHeading(name), path);
      }
    }
  }
  // Standard documents are keyed by their kind; they are read through `chosen`, not twice.
  for (const kind of documentKinds) {
    const path = chosen.get(kind);
    if (path) for (const [name, p] of documents) if (p === path) documents.delete(name);
  }
  return { chosen, documents, stressSets };
}

/** Predictions on each stress set, read with the evaluation set's label, score and id columns. */
async function readStressSets(
  bundle: EvidenceBundle,
  dir: string,
  stressSets: Map<string, string>,
  options: LoadEvidenceOptions,
): Promise<void> {
  const set = options.evaluationSet;
  if (!set) return;
  for (const [name, path] of stressSets) {
    await capture(bundle, 'robustness_predictions', async () => {
      const table = await readPredictions(join(dir, path), {
        files: options.files ?? diskEvidenceFiles,
        label: set.label,
        score: set.score,
        task: set.task,
        ...(set.id_column !== undefined ? { idColumn: set.id_column } : {}),
      });
      bundle.stressPredictions = { ...bundle.stressPredictions, [name]: table };
    });
  }
}

/** The manifest, or its problems: a manifest the YAML parser throws on is a problem too. */
async function readManifest(
  file: string,
  source: EvidenceFiles,
): Promise<Awaited<ReturnType<typeof readEvidenceManifest>>> {
  try {
    return await readEvidenceManifest(file, file, source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      problems: [
        {
          message: `${file} could not be read (${reason}).`,
          fix: 'Replace evidence.yaml with a plain YAML mapping (no aliases, no custom tags).',
          location: { file },
        },
      ],
    };
  }
}

async function readItem(
  bundle: EvidenceBundle,
  kind: EvidenceKind | 'data_fields',
  absolute: string,
  path: string,
  options: LoadEvidenceOptions,
): Promise<void> {
  const source = options.files ?? diskEvidenceFiles;
  if (kind === 'predictions') {
    const set = options.evaluationSet;
    if (!set) return;
    bundle.predictions = await readPredictions(absolute, {
      label: set.label,
      score: set.score,
      task: set.task,
      ...(set.baselineScore !== undefined ? { baselineScore: set.baselineScore } : {}),
      ...(set.id_column !== undefined ? { idColumn: set.id_column } : {}),
      ...(options.groupColumns ? { groupColumns: options.groupColumns } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      files: source,
    });
  } else if (kind === 'data_fields') {
    bundle.dataFields = parseDataFields((await readJsonFile(absolute, source)).value, absolute);
  } else if (kind === 'metrics') {
    bundle.metrics = parseMetrics((await readJsonFile(absolute, source)).value, absolute);
  } else if (kind === 'lineage') {
    bundle.lineage = parseLineage((await readJsonFile(absolute, source)).value, absolute);
  } else if (kind === 'sbom') {
    bundle.sbom = parseSbom((await readJsonFile(absolute, source)).value, absolute);
  } else if (kind === 'load_test') {
    const read = await readLoadTest(absolute, source);
    if (read.loadTest) bundle.loadTest = read.loadTest;
    if (read.document !== undefined) bundle.data = { ...bundle.data, load_test: read.document };
  } else if (documentKinds.has(kind)) {
    bundle.documents[kind] = await readDocument(absolute, kind, source);
  } else if (jsonDataKinds.has(kind) && path.toLowerCase().endsWith('.json')) {
    bundle.data = { ...bundle.data, [kind]: (await readJsonFile(absolute, source)).value };
  }
}

/** Runs a reader; a refusal or I/O failure becomes a problem of that kind instead of a throw. */
async function capture(
  bundle: EvidenceBundle,
  kind: EvidenceKind | 'data_fields',
  read: () => Promise<void>,
): Promise<void> {
  const problemKind: EvidenceKind = kind === 'data_fields' ? 'other' : kind;
  try {
    await read();
  } catch (error) {
    if (isClearanceError(error)) {
      const problems: EvidenceProblem[] = error.problems.length
        ? error.problems.map((p) => ({ ...p, kind: problemKind }))
        : [{ kind: problemKind, message: error.message }];
      bundle.problems.push(...problems);
    } else if (error instanceof Error && 'code' in error) {
      bundle.problems.push({
        kind: problemKind,
        message: `could not be read (${error.message}).`,
        fix: 'Check the file exists and is readable.',
      });
    } else {
      // A reader that throws anything else (a YAML alias bomb, a stack overflow on deep nesting)
      // met evidence it cannot take: that is this item's problem, not the whole run's.
      const reason = error instanceof Error ? error.message : String(error);
      bundle.problems.push({
        kind: problemKind,
        message: `could not be read (${reason}).`,
        fix: 'Replace the file with a well-formed one.',
      });
    }
  }
}
