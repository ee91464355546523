/** Evidence readers: files on disk or held in memory → the typed evidence gates evaluate. */
export { fileDigest } from './digest.js';
export { type LoadEvidenceOptions, loadEvidenceBundle } from './load-evidence-bundle.js';
export { assertSameRows, withBaselineScores } from './match-baseline.js';
export { normaliseHeading } from './normalise-heading.js';
export { parseMarkdownDocument, readDocument } from './read-document.js';
export { parseLineage, readLineage } from './read-lineage.js';
export { parseMetrics, readMetrics } from './read-metrics.js';
export {
  type PredictionTask,
  predictionExtensions,
  type ReadPredictionsOptions,
  readPredictions,
} from './read-predictions.js';
export { parseSbom, readSbom } from './read-sbom.js';
export {
  type EvidenceReadOptions,
  type HeldEvidence,
  holdEvidence,
  materialiseEvidence,
  readHeldEvidence,
  readMaterialisedEvidence,
  StoredEvidenceLoader,
} from './stored-evidence-loader.js';
