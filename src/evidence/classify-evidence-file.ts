/** Conventional evidence file names → kind. Only files at the top of the directory count. */
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

/** The file that declares data fields is not an evidence kind of its own, but is read. */
export const dataFieldsFile = 'data_fields.json';
export const manifestFiles = ['evidence.yaml', 'evidence.yml'];

/** When several files claim one kind, the lower rank wins (e.g. sbom.cdx.json over x.spdx.json). */
export function classifyEvidenceFile(relativePath: string): { kind: EvidenceKind; rank: number } {
  if (relativePath.includes('/')) {
    return { kind: relativePath.toLowerCase().endsWith('.md') ? 'document' : 'other', rank: 9 };
  }
  const name = relativePath.toLowerCase();
  const kind = exact[name];
  if (kind) return { kind, rank: name === 'bom.json' ? 1 : name === 'sbom.spdx.json' ? 3 : 0 };
  if (name.endsWith('.cdx.json')) return { kind: 'sbom', rank: 2 };
  if (name.endsWith('.spdx.json')) return { kind: 'sbom', rank: 4 };
  if (name.endsWith('.md')) return { kind: 'document', rank: 9 };
  return { kind: 'other', rank: 9 };
}

const textExtensions = new Set([
  '.md',
  '.json',
  '.yaml',
  '.yml',
  '.txt',
  '.cfg',
  '.env',
  '.ini',
  '.toml',
]);
export const maxScannedTextBytes = 1 << 20;

/** Small text files the security gate scans for secrets; `.env`, `.env.local` included. */
export function isScannableText(relativePath: string, size: number): boolean {
  if (size > maxScannedTextBytes) return false;
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1).toLowerCase();
  if (base === '.env' || base.startsWith('.env.')) return true;
  const dot = base.lastIndexOf('.');
  return dot >= 0 && textExtensions.has(base.slice(dot));
}
