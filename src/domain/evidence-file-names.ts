/**
 * Conventional evidence file names → kind, one table for the reader (`evidence/`) and the
 * registry (`app/`), so a file attached to a version is classified exactly as `clearance check`
 * classifies it in a directory. Only files at the top of the evidence set count as a kind.
 */
import type { EvidenceKind } from './evidence.js';

const exact: Record<string, EvidenceKind> = {
  'predictions.csv': 'predictions',
  'predictions.jsonl': 'predictions',
  'predictions.ndjson': 'predictions',
  'predictions.parquet': 'predictions',
  'metrics.json': 'metrics',
  'lineage.json': 'lineage',
  'sbom.cdx.json': 'sbom',
  'bom.json': 'sbom',
  'sbom.spdx.json': 'sbom',
  'model_card.md': 'model_card',
  'evaluation_report.md': 'evaluation_report',
  'evaluation_report.html': 'evaluation_report',
  'monitoring_plan.md': 'monitoring_plan',
  'rollback_plan.md': 'rollback_plan',
  'scan_results.json': 'scan_results',
  'load_test.csv': 'load_test',
  'load_test.ndjson': 'load_test',
  'load_test.jsonl': 'load_test',
  'load_test.json': 'load_test',
  'load_test_stats.csv': 'load_test',
  'robustness_report.md': 'robustness_report',
  'drift_baseline.json': 'drift_baseline',
};

/** Ranks other than 0; raw load-test samples win over a tool's summary. */
const ranks: Record<string, number> = {
  'bom.json': 1,
  'sbom.spdx.json': 3,
  'load_test.ndjson': 1,
  'load_test.jsonl': 1,
  'load_test.json': 2,
  'load_test_stats.csv': 3,
};

/** `robustness/<set>.csv` (or .jsonl/.ndjson/.parquet): predictions on one stress set. */
const stressSetPath = /^robustness\/[^/]+\.(csv|jsonl|ndjson|parquet)$/;
const stressSetVariant = /^robustness\/([^/]+)\.(csv|jsonl|ndjson|parquet)$/i;

/** The manifest and the data-fields file are read by name too, though they are no kind of their own. */
const readByName = ['evidence.yaml', 'evidence.yml', 'data_fields.json'];
/** Suffixes that make a file a kind: `.md` anywhere, the SBOM ones at the top. */
const kindSuffixes = ['.cdx.json', '.spdx.json'];

/** Folders the evidence reader skips (version control, dependencies, Clearance's own state). */
export const ignoredEvidenceFolders: readonly string[] = ['.git', 'node_modules', '.clearance'];

/**
 * Names are matched exactly, letter case included: `PREDICTIONS.CSV` is not predictions, so a
 * file cannot become the baseline by sorting before the documented name.
 * When several files claim one kind, the lower rank wins (e.g. sbom.cdx.json over x.spdx.json).
 */
export function classifyEvidenceFile(relativePath: string): { kind: EvidenceKind; rank: number } {
  if (stressSetPath.test(relativePath)) return { kind: 'robustness_predictions', rank: 9 };
  if (relativePath.includes('/')) {
    return { kind: relativePath.endsWith('.md') ? 'document' : 'other', rank: 9 };
  }
  const name = relativePath;
  const kind = exact[name];
  if (kind) return { kind, rank: ranks[name] ?? 0 };
  if (name.endsWith('.cdx.json')) return { kind: 'sbom', rank: 2 };
  if (name.endsWith('.spdx.json')) return { kind: 'sbom', rank: 4 };
  if (name.endsWith('.md')) return { kind: 'document', rank: 9 };
  return { kind: 'other', rank: 9 };
}

/**
 * The documented name a path misses only by letter case (`PREDICTIONS.CSV` → `predictions.csv`,
 * `notes/Intro.MD` → `notes/Intro.md`), or undefined. Such a file would silently not be read as
 * the kind its author meant, so uploads refuse it with this as the hint.
 */
export function caseVariantOfKnownName(path: string): string | undefined {
  const stress = stressSetVariant.exec(path);
  if (stress && !stressSetPath.test(path)) {
    return `robustness/${stress[1]}.${stress[2]?.toLowerCase()}`;
  }
  const slash = path.lastIndexOf('/');
  const folder = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const lower = name.toLowerCase();
  if (folder === '' && lower !== name) {
    const known = [...Object.keys(exact), ...readByName].find((k) => k === lower);
    if (known !== undefined) return known;
    const suffix = kindSuffixes.find((s) => lower.endsWith(s) && !name.endsWith(s));
    if (suffix !== undefined) return `${name.slice(0, -suffix.length)}${suffix}`;
  }
  if (lower.endsWith('.md') && !name.endsWith('.md')) return `${folder}${name.slice(0, -3)}.md`;
  return undefined;
}

const mediaTypes: Record<string, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  json: 'application/json',
  md: 'text/markdown',
  html: 'text/html',
  yaml: 'application/yaml',
  yml: 'application/yaml',
};

export function evidenceMediaType(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return mediaTypes[ext] ?? 'application/octet-stream';
}
