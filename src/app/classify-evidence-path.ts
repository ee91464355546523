/**
 * Evidence kind by file name, following the evidence reader's naming conventions
 * (`predictions.csv`, `sbom.cdx.json`, `model_card.md`, …). The app may not import the reader,
 * so the table is repeated here; `test/app` checks the two agree on the examples.
 */
import type { EvidenceKind } from '../domain/index.js';

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
  'load_test.json': 'load_test',
  'robustness_report.md': 'robustness_report',
  'drift_baseline.json': 'drift_baseline',
};

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

export function classifyEvidencePath(path: string): EvidenceKind {
  const lower = path.toLowerCase();
  if (lower.includes('/')) return lower.endsWith('.md') ? 'document' : 'other';
  const kind = exact[lower];
  if (kind) return kind;
  if (lower.endsWith('.cdx.json') || lower.endsWith('.spdx.json')) return 'sbom';
  if (lower.endsWith('.md')) return 'document';
  return 'other';
}

export function mediaTypeOf(path: string): string {
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
