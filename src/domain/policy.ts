/**
 * The validated, normalised shape of a `clearance/v1` policy. `policy/` parses YAML into this;
 * everything downstream (gates, decision engine, CLI) reads only this type.
 */

/** A duration as written in the policy (`15m`, `48h`, `5d`, `90s`). */
export type DurationText = string;

export const riskTiers = ['low', 'medium', 'high', 'regulated', 'safety-critical'] as const;
export type RiskTier = (typeof riskTiers)[number];

export type ComparisonOp = '>=' | '<=' | '>' | '<';

/** Which way is better for a metric; fixed per metric, never guessed from data. */
export type MetricDirection = 'higher' | 'lower';

export type EvaluationTask = 'binary-classification' | 'regression';

/** The locked evaluation set and how to read predictions made on it. */
export interface EvaluationSetSpec {
  id: string;
  digest?: string;
  task: EvaluationTask;
  /** Column holding the true label (0/1) or, for regression, the true value. */
  label: string;
  /** Column holding the model's score (higher = more likely positive) or prediction. */
  score: string;
  /** Optional column holding the current production model's score on the same rows. */
  baselineScore?: string;
  /** Optional row identifier; when present, candidate and baseline rows must match on it. */
  id_column?: string;
  /** Score at or above which a row counts as predicted positive. */
  decisionThreshold: number;
}

export interface MetricGateSpec {
  id: string;
  type: 'metric';
  metric: string;
  min?: number;
  max?: number;
  description?: string;
}

export interface BaselineGateSpec {
  id: string;
  type: 'baseline';
  metric: string;
  /** Largest allowed drop (absolute, or a fraction of the baseline when `relative`). */
  maxDegradation?: number;
  /** Smallest required improvement (absolute, or a fraction of the baseline when `relative`). */
  minImprovement?: number;
  relative: boolean;
  confidence: number;
  /** Paired test; `auto` picks DeLong for AUC, two-proportion z for rates, bootstrap otherwise. */
  test: 'auto' | 'delong' | 'bootstrap' | 'two-proportion';
  direction?: MetricDirection;
  resamples: number;
  seed: number;
  description?: string;
}

/**
 * A metric recomputed on stressed or perturbed prediction sets (same row ids as the clean
 * predictions), whose worst drop from the clean value is bounded.
 */
export interface RobustnessGateSpec {
  id: string;
  type: 'robustness';
  metric: string;
  /** Largest allowed drop from the clean value (absolute, or a fraction of it when `relative`). */
  maxDegradation: number;
  relative: boolean;
  /** Stress sets that must be present; when absent, every set in the evidence, at least one. */
  sets?: string[];
  description?: string;
}

export const fairnessMetrics = [
  'demographic_parity_difference',
  'demographic_parity_ratio',
  'disparate_impact_ratio',
  'equalized_odds_difference',
  'equalized_odds_ratio',
  'equal_opportunity_difference',
  'equal_opportunity_ratio',
] as const;
export type FairnessMetricName = (typeof fairnessMetrics)[number];

export interface FairnessGateSpec {
  id: string;
  type: 'fairness';
  attribute: string;
  metric: FairnessMetricName;
  /** For disparate impact: the reference group; without it, the worst pair of groups. */
  privileged?: string;
  min?: number;
  max?: number;
  /** Groups smaller than this make the gate `error` (too few rows to judge). */
  minGroupSize: number;
  description?: string;
}

export const lineageFields = [
  'codeCommit',
  'dataSnapshotId',
  'configDigest',
  'seed',
  'trainingRunId',
  'trainedBy',
  'baseModel',
] as const;
export type LineageField = (typeof lineageFields)[number];

export interface ReproducibilityGateSpec {
  id: string;
  type: 'reproducibility';
  require: LineageField[];
  description?: string;
}

export interface SecurityGateSpec {
  id: string;
  type: 'security';
  sbom: 'required' | 'optional';
  licenses?: { allow?: string[]; deny?: string[] };
  secrets: 'deny' | 'allow';
  pii?: { fields: string[]; allowed?: string[] };
  vulnerabilities?: { maxCritical?: number; maxHigh?: number; maxMedium?: number; maxLow?: number };
  description?: string;
}

export interface DocumentRequirement {
  /** Document kind: model_card, evaluation_report, monitoring_plan, rollback_plan, … */
  name: string;
  /** Sections (Markdown headings) that must be present and non-empty. */
  sections: string[];
}

export interface DocumentsGateSpec {
  id: string;
  type: 'documents';
  require: DocumentRequirement[];
  description?: string;
}

export interface ExpressionGateSpec {
  id: string;
  type: 'expression';
  expr: string;
  description?: string;
}

export type GateSpec =
  | MetricGateSpec
  | BaselineGateSpec
  | RobustnessGateSpec
  | FairnessGateSpec
  | ReproducibilityGateSpec
  | SecurityGateSpec
  | DocumentsGateSpec
  | ExpressionGateSpec;

export type GateType = GateSpec['type'];

/** Every gate type, in the order the policy reference lists them (the API's enum). */
export const gateTypes = [
  'metric',
  'baseline',
  'robustness',
  'fairness',
  'reproducibility',
  'security',
  'documents',
  'expression',
] as const satisfies readonly GateType[];

export interface ApprovalRequirement {
  role: string;
  count: number;
}

export interface SeparationOfDuties {
  requesterMayApprove: boolean;
  creatorMayApprove: boolean;
  oneRolePerPerson: boolean;
  /** Two-person rule: at least this many distinct people must approve. */
  minDistinctApprovers: number;
}

export interface TicketRule {
  required: boolean;
  pattern?: string;
}

export type TreatMissing = 'missing' | 'breaching' | 'notBreaching' | 'ignore';

/**
 * What a value trigger computes over a window: the pooled rate of a count series
 * (Σ successes / Σ trials), the mean of a value series, or a percentile (`p95`, `p99.9`) of its
 * raw values (NumPy's default linear interpolation).
 */
export type ValueStatistic = 'rate' | 'mean' | `p${number}`;

/** Fields every rollback trigger has: CloudWatch-style M-of-N windows (DESIGN §6). */
interface TriggerWindows {
  /** The name the trigger is known by in policies, audit entries and messages. */
  metric: string;
  /** The observation series it reads (`latency_p95_ms` reads `latency_ms`). */
  series: string;
  op: ComparisonOp;
  threshold: number;
  period: DurationText;
  /** N: the windows looked at. "Sustained for T" means evaluationPeriods = datapointsToAlarm = T / period. */
  evaluationPeriods: number;
  /** M: breaching windows out of the last N that trip the trigger. */
  datapointsToAlarm: number;
  treatMissing: TreatMissing;
  /** Fewer samples than this in a window (either arm when compared with control) → Inconclusive. */
  minSamples: number;
}

/**
 * `absolute` compares the candidate's value of `statistic` with the threshold;
 * `relativeToControl` compares the bound of the two-sided `confidence` interval of
 * (candidate − control) / control nearest to not breaching, so noise alone never fires.
 */
export interface ValueTrigger extends TriggerWindows {
  compare: 'absolute' | 'relativeToControl';
  statistic: ValueStatistic;
  confidence: number;
}

/** Drift of the candidate arm's distribution from the baseline saved as evidence at approval. */
export interface DriftTrigger extends TriggerWindows {
  compare: 'drift';
  statistic: 'psi' | 'ks';
  /** Evidence kind that holds the baseline distribution. */
  baseline: string;
}

/**
 * Error-budget burn (Google SRE workbook, multiwindow): fires when the burn rate
 * error ratio / (1 − slo) is `op threshold` over the window (`period`, the short window) and
 * over `longWindow` ending with it.
 */
export interface BurnRateTrigger extends TriggerWindows {
  compare: 'burnRate';
  slo: number;
  longWindow: DurationText;
}

export type RollbackTrigger = ValueTrigger | DriftTrigger | BurnRateTrigger;

/** One canary step: this share of traffic for this long. */
export interface CanaryStep {
  traffic: number;
  duration: DurationText;
}

/** PromQL for one arm: a count series' successes and trials, or a value series' values. */
export type PrometheusArmQuery = { successes: string; trials: string } | { value: string };

/**
 * Where a series' points are pulled from: a Prometheus range query per arm, evaluated every
 * `step` (the Prometheus URL is server configuration, never policy).
 */
export interface PrometheusSeriesSource {
  step: DurationText;
  candidate: PrometheusArmQuery;
  control?: PrometheusArmQuery;
}

export interface KpiSeriesSource {
  prometheus: PrometheusSeriesSource;
}

export interface RolloutSpec {
  /** The single-step form as written; `steps` holds it too. */
  canary?: CanaryStep;
  /** Canary steps in order (empty: no canary, the promotion takes all traffic at once). */
  steps: CanaryStep[];
  triggers: RollbackTrigger[];
  consecutiveErrorLimit: number;
  /** How long after a window ends its late points still count; then it is decided. */
  lateness: DurationText;
  /** Series pulled from a KPI source rather than posted, by series name. */
  sources?: Record<string, KpiSeriesSource>;
}

export interface TransitionPolicy {
  from: string;
  to: string;
  requestedBy: string[];
  gates: GateSpec[];
  approvals: ApprovalRequirement[];
  separationOfDuties: SeparationOfDuties;
  ticket: TicketRule;
  reasonRequired: boolean;
  /** Approvals stop counting after this long, if set. */
  approvalExpiresAfter?: DurationText;
  rollout?: RolloutSpec;
}

export interface EmergencyChangeType {
  allowedBy: string[];
  bypass: string[];
  expiresAfter: DurationText;
  /** What happens when the bypass window ends without the standard path passing. */
  onExpiry: 'rollback';
  /**
   * The sign-offs an emergency needs before it executes (ADR 011). Absent: one approval, by a
   * person other than the requester, in any role that may approve the transition.
   */
  approvals?: ApprovalRequirement[];
  postIncidentReview: { dueWithin: DurationText; approvals: ApprovalRequirement[] };
}

export interface ExperimentChangeType {
  /** The furthest state an experiment may reach; canary traffic is allowed, full production never. */
  maxState: string;
  maxCanaryTraffic?: number;
}

export interface ChangeTypes {
  emergency?: EmergencyChangeType;
  experiment?: ExperimentChangeType;
}

export interface RoleSpec {
  id: string;
  description?: string;
}

export interface Policy {
  apiVersion: 'clearance/v1';
  kind: 'Policy';
  metadata: { name: string; riskTier: RiskTier; description?: string; owner?: string };
  states: string[];
  roles: RoleSpec[];
  evaluationSet?: EvaluationSetSpec;
  transitions: TransitionPolicy[];
  changeTypes: ChangeTypes;
  /**
   * How long an open request lives (`requests.expireAfter`). Absent: the default
   * (`defaultRequestLifetime`); a lifetime equal to the default is normalised away, so the
   * digest of a policy written before the key existed is unchanged.
   */
  requests?: { expireAfter: DurationText };
}

export const defaultStates = ['draft', 'staging', 'production', 'deprecated', 'archived'] as const;

export function findTransition(
  policy: Policy,
  from: string,
  to: string,
): TransitionPolicy | undefined {
  return policy.transitions.find((t) => t.from === from && t.to === to);
}
