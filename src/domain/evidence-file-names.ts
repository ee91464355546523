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
const stressSetPath = /^robustness\/[^/]+\.(csv|jsonl|ndjson|parquet)$/i;

/** When several files claim one kind, the lower rank wins (e.g. sbom.cdx.json over x.spdx.json). */
export function classifyEvidenceFile(relativePath: string): { kind: EvidenceKind; rank: number } {
  if (stressSetPath.test(relativePath)) return { kind: 'robustness_predictions', rank: 9 };
  if (relativePath.includes('/')) {
    return { kind: relativePath.toLowerCase().endsWith('.md') ? 'document' : 'other', rank: 9 };
  }
  const name = relativePath.toLowerCase();
  const kind = exact[name];
  if (kind) return { kind, rank: ranks[name] ?? 0 };
  if (name.endsWith('.cdx.json')) return { kind: 'sbom', rank: 2 };
  if (name.endsWith('.spdx.json')) return { kind: 'sbom', rank: 4 };
  if (name.endsWith('.md')) return { kind: 'document', rank: 9 };
  return { kind: 'other', rank: 9 };
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

/** Relative, forward slashes, no `..`, no empty parts: the path the evidence reader will see. */
export function isSafeEvidencePath(path: string): boolean {
  if (path.length === 0 || path.length > 300 || path.startsWith('/') || path.includes('\\')) {
    return false;
  }
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
