/** Public face of the gates module: one evaluator per built-in gate type, and the runner. */
export { baselineGate } from './baseline-gate.js';
export { computePredictionMetrics, type PredictionMetricValues } from './compute-metrics.js';
export { documentsGate, normaliseHeading } from './documents-gate.js';
export { evaluateGates } from './evaluate-gates.js';
export { type ParseResult, parseExpression } from './expression/parser.js';
export { expressionEnvironment, expressionGate } from './expression-gate.js';
export { fairnessGate } from './fairness-gate.js';
export type { GateContext, GateEvaluator } from './gate.js';
export { metricGate } from './metric-gate.js';
export { reproducibilityGate } from './reproducibility-gate.js';
export { robustnessGate } from './robustness-gate.js';
export { findSecrets, type SecretFinding, shannonEntropy } from './secret-scan.js';
export { type SubCheck, securityGate } from './security-gate.js';
export { judgeLicense, type LicenseVerdict } from './spdx-licenses.js';
