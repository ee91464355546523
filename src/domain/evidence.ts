/**
 * Evidence as the gates see it: already read, validated and held in typed arrays.
 * Reading (CSV, JSONL, Parquet, SBOM, Markdown) happens in `evidence/`; gates stay pure.
 */
import type { Problem } from './errors.js';

export const evidenceKinds = [
  'predictions',
  'metrics',
  'lineage',
  'sbom',
  'model_card',
  'evaluation_report',
  'monitoring_plan',
  'rollback_plan',
  'scan_results',
  'load_test',
  'robustness_report',
  'robustness_predictions',
  'drift_baseline',
  'document',
  'other',
] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

/** One immutable, content-addressed file of evidence. */
export interface EvidenceItem {
  kind: EvidenceKind;
  /** Path relative to the evidence directory, with forward slashes. */
  path: string;
  /** `sha256:<hex>` of the file's bytes. */
  digest: string;
  size: number;
}

/**
 * Codes of a categorical column, in the narrowest array that holds them: 1 byte a row up to 256
 * values, so a group column of 10 M rows takes 10 MB, not 40 (fresh pages are slow to fault in).
 */
export type CategoryCodes = Uint8Array | Uint16Array | Uint32Array;

/** A categorical column, dictionary-encoded: `codes[i]` indexes `values`. */
export interface CategoricalColumn {
  values: string[];
  codes: CategoryCodes;
}

/**
 * Predictions on the locked evaluation set, one entry per row, columnar.
 * For binary classification `labels` holds 0/1; for regression `targets` holds the truth.
 */
export interface PredictionTable {
  /** File the rows came from, for messages. */
  source: string;
  rowCount: number;
  labels?: Uint8Array;
  targets?: Float64Array;
  scores: Float64Array;
  baselineScores?: Float64Array;
  /** Row identifiers, when the evaluation set names an id column. */
  ids?: string[];
  groups: Record<string, CategoricalColumn>;
}

/**
 * A load test as read from its file: raw per-request samples when the file carries them (a
 * per-request CSV, k6's `--out json` lines), else the figures the tool computed itself (k6's
 * end-of-test summary, Locust's "Aggregated" row).
 */
export interface LoadTestEvidence {
  /** File it came from, for messages. */
  source: string;
  format: 'latency-csv' | 'k6-json' | 'k6-summary' | 'locust-stats';
  /** Per-request latencies in milliseconds. */
  latenciesMs?: Float64Array;
  /** Per-request cost in US dollars (a per-request CSV with a `cost_usd` column). */
  costsUsd?: Float64Array;
  /**
   * The tool's own aggregates, in milliseconds, under the tool's own names (`p(95)`, `avg` for
   * k6; `95%`, `Average Response Time` for Locust), and its request count when it gives one.
   */
  summary?: { figures: Record<string, number>; requests?: number };
}

/** A count-based rate such as CTR: successes out of trials. */
export interface RateMetric {
  successes: number;
  trials: number;
}

export type MetricValue = number | RateMetric;

export interface Lineage {
  codeCommit?: string;
  dataSnapshotId?: string;
  configDigest?: string;
  seed?: number | string;
  trainingRunId?: string;
  trainedBy?: string;
  baseModel?: string;
  [field: string]: unknown;
}

export type VulnerabilitySeverity = 'critical' | 'high' | 'medium' | 'low' | 'info' | 'unknown';

export interface SbomComponent {
  name: string;
  version?: string;
  purl?: string;
  /** SPDX licence identifiers or expressions, as declared. */
  licenses: string[];
}

export interface Sbom {
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  components: SbomComponent[];
  vulnerabilities: { id: string; severity: VulnerabilitySeverity; component?: string }[];
}

/**
 * What a model may and may not be used for, from the model card's `useConstraints` front matter.
 * Travels with the version so serving systems can enforce it.
 */
export interface UseConstraints {
  intendedUse?: string;
  prohibitedUses: string[];
  humanInTheLoop?: boolean;
  /** Input features that must never be used (e.g. a protected attribute). */
  forbiddenFeatures: string[];
}

/** A Markdown document with optional YAML front matter, split into sections by heading. */
export interface EvidenceDocument {
  kind: EvidenceKind;
  path: string;
  frontMatter: Record<string, unknown>;
  /** Section text keyed by normalised heading (`Intended use` → `intended_use`). */
  sections: Record<string, string>;
  /** Parsed from front matter `useConstraints`, when a model card declares them. */
  useConstraints?: UseConstraints;
}

/** Small text artifacts and metadata that the security gate scans for secrets. */
export interface ScannableText {
  path: string;
  content: string;
}

export interface EvidenceBundle {
  /** Where it was read from (a directory), for messages. */
  root: string;
  items: EvidenceItem[];
  predictions?: PredictionTable;
  metrics?: Record<string, MetricValue>;
  lineage?: Lineage;
  sbom?: Sbom;
  documents: Record<string, EvidenceDocument>;
  /** Declared fields of the evaluation data / features (for PII checks). */
  dataFields?: string[];
  /**
   * Other JSON evidence as parsed (scan_results, load_test, drift_baseline), keyed by kind, for
   * expression gates; shapes vary by tool, so it stays `unknown`.
   */
  data?: Partial<Record<EvidenceKind, unknown>>;
  texts: ScannableText[];
  /** The load test (`load_test.csv`, `load_test.ndjson`, `load_test.json`, `load_test_stats.csv`). */
  loadTest?: LoadTestEvidence;
  /**
   * Predictions on stressed or perturbed copies of the evaluation set (`robustness/<set>.csv`),
   * keyed by set name; read with the evaluation set's columns.
   */
  stressPredictions?: Record<string, PredictionTable>;
  /** Problems met while reading: a gate that needs the item reports `error` with them. */
  problems: EvidenceProblem[];
}

export interface EvidenceProblem extends Problem {
  kind: EvidenceKind;
}
