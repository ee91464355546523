/**
 * Policy backtest: re-evaluates stored decisions under a changed policy, on the same stored
 * evidence and the same baseline evidence each decision recorded, and lists those whose outcome
 * would differ and why — so a policy change is reviewed on evidence, like a model. Read-only
 * apart from its `policy.backtested` audit entry.
 */
import {
  type ApprovalEvaluation,
  type ApprovalRules,
  evaluateApprovals,
} from '../../domain/approval-rules.js';
import {
  ClearanceError,
  type DecisionRecord,
  findTransition,
  formatLocation,
  type GateResult,
  type Policy,
  type Principal,
  parseDuration,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import { parsePolicy } from '../../policy/index.js';
import { decideOutcome } from '../gate-evaluation/decide-transition.js';
import { storedEvidenceRecords, storedGateRun } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded, hasAnyRole } from '../shared/authorise.js';
import { signOffRules } from '../transitions/approval-facts.js';

const backtestRoles = ['admin', 'mlops', 'risk_officer', 'compliance_officer', 'auditor'] as const;

export interface BacktestInput {
  /** The changed policy, as YAML. */
  policyText: string;
  /** The name problems are reported against (`file:line:column`); default `backtest policy`. */
  policyFile?: string;
  /** Only this model's decisions (all models when absent). */
  model?: string;
  /** Only decisions made at or after this time. */
  since?: Date;
}

export interface BacktestGateState {
  outcome: GateResult['outcome'];
  observed: GateResult['observed'];
  threshold: string;
  bypassed: boolean;
  explanation: string;
}

/** One gate whose result would change: absent `before`/`after` means added/removed. */
export interface BacktestGateChange {
  gateId: string;
  before?: BacktestGateState;
  after?: BacktestGateState;
  why: string;
}

export interface BacktestSide {
  outcome: DecisionRecord['outcome'];
  blockingGates: string[];
  reasons: string[];
}

export interface BacktestDifference {
  decisionId: string;
  kind: DecisionRecord['kind'];
  model: string;
  version: string;
  transition: { from: string; to: string; changeType: DecisionRecord['changeType'] };
  at: string;
  before: BacktestSide;
  after: BacktestSide;
  why: BacktestGateChange[];
  /** Changes outside the gates: approvals rules, a removed change type. */
  notes: string[];
}

export interface BacktestSkip {
  decisionId: string;
  model: string;
  version: string;
  transition: { from: string; to: string };
  reason: string;
}

export interface BacktestReport {
  policyDigest: string;
  policyName: string;
  since?: string;
  model?: string;
  evaluated: number;
  differing: BacktestDifference[];
  /** Decisions whose transition the new policy does not define. */
  missingTransition: BacktestSkip[];
  /** Decisions that could not be re-evaluated (e.g. evidence no longer readable). */
  unevaluable: BacktestSkip[];
}

interface Subjects {
  requests: Map<string, TransitionRequest>;
  versions: Map<string, VersionView>;
}

function assertMayBacktest(principal: Principal, model: string | undefined): void {
  const allowed =
    model === undefined
      ? principal.roles.some(
          (b) => b.model === undefined && backtestRoles.includes(b.role as never),
        )
      : hasAnyRole(principal, model, backtestRoles);
  if (allowed) return;
  throw forbidden(
    `${principal.id} may not backtest a policy${model ? ` for model ${model}` : ' across all models'}: it needs one of the roles ${backtestRoles.join(', ')}.`,
    'Ask an admin to grant one of these roles, or name a model you hold one of them for.',
  );
}

function parseNewPolicy(text: string, file: string): { policy: Policy; digest: string } {
  const parsed = parsePolicy(text, file);
  if (!parsed.ok) {
    const first = parsed.problems[0];
    const where = first?.location ? formatLocation(first.location) : file;
    throw new ClearanceError(
      'invalid_policy',
      `Policy ${file} has ${parsed.problems.length} problem(s); the first at ${where}: ${first?.message ?? 'unknown'}`,
      { problems: parsed.problems },
    );
  }
  return { policy: parsed.policy, digest: parsed.digest };
}

/**
 * A backtest's `since`: a duration ago (`90d`, `2w`, `1h30m`) or a date (`2026-01-31`, or an
 * RFC 3339 instant). `what` names the input in the refusal (`--since`, `since`).
 */
export function parseSince(text: string, now: Date, what = 'since'): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const at = new Date(text);
  if (!Number.isNaN(at.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(text)) return at;
  const message = `${what} ${text} is neither a duration nor a date.`;
  throw new ClearanceError('invalid_input', message, {
    problems: [{ message, fix: 'Use a duration such as 90d or 2w, or a date such as 2026-01-31.' }],
  });
}

/**
 * Re-runs the new policy's gates (and approval rules) for every stored decision in range and
 * reports the decisions whose outcome would differ, gate by gate, with observed values and
 * thresholds. Records `policy.backtested`; changes nothing else.
 */
export async function backtestPolicy(
  deps: AppDeps,
  principal: Principal,
  input: BacktestInput,
): Promise<BacktestReport> {
  const { policy, digest } = parseNewPolicy(
    input.policyText,
    input.policyFile ?? 'backtest policy',
  );
  const subject = { type: 'policy', id: digest };
  await guarded(deps, { actor: principal, action: 'policy.backtest', subject }, async () =>
    assertMayBacktest(principal, input.model),
  );
  const { decisions, subjects } = await deps.store.read(async (tx) => {
    const filter = input.model === undefined ? {} : { model: input.model };
    const since = input.since?.toISOString();
    const all = (await tx.decisions.list(filter)).filter(
      (d) => since === undefined || d.at >= since,
    );
    const found: Subjects = { requests: new Map(), versions: new Map() };
    for (const d of all) {
      if (d.requestId && !found.requests.has(d.requestId)) {
        const request = await tx.requests.get(d.requestId);
        if (request) found.requests.set(d.requestId, request);
      }
      const key = `${d.model}@${d.version}`;
      if (!found.versions.has(key)) {
        const version = await tx.versions.get(d.model, d.version);
        if (version) found.versions.set(key, version);
      }
    }
    return { decisions: all.sort((a, b) => a.at.localeCompare(b.at)), subjects: found };
  });
  const report: BacktestReport = {
    policyDigest: digest,
    policyName: policy.metadata.name,
    ...(input.since ? { since: input.since.toISOString() } : {}),
    ...(input.model ? { model: input.model } : {}),
    evaluated: 0,
    differing: [],
    missingTransition: [],
    unevaluable: [],
  };
  for (const decision of decisions) await backtestOne(deps, { policy, decision, subjects, report });
  await deps.store.transaction(async (tx) => {
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time: deps.clock.now().toISOString(),
        action: 'policy.backtested',
        subject,
        digests: { policy: digest },
        data: {
          policyName: policy.metadata.name,
          model: input.model ?? null,
          since: report.since ?? null,
          evaluated: report.evaluated,
          differing: report.differing.map((d) => d.decisionId),
          missingTransition: report.missingTransition.length,
          unevaluable: report.unevaluable.length,
        },
      }),
    );
  });
  return report;
}

function skipOf(decision: DecisionRecord, reason: string): BacktestSkip {
  const { from, to } = decision;
  return {
    decisionId: decision.id,
    model: decision.model,
    version: decision.version,
    transition: { from, to },
    reason,
  };
}

async function backtestOne(
  deps: AppDeps,
  input: { policy: Policy; decision: DecisionRecord; subjects: Subjects; report: BacktestReport },
): Promise<void> {
  const { policy, decision, report } = input;
  const transition = findTransition(policy, decision.from, decision.to);
  if (!transition) {
    report.missingTransition.push(
      skipOf(decision, `The policy has no transition ${decision.from} → ${decision.to}.`),
    );
    return;
  }
  const notes: string[] = [];
  const emergency = decision.changeType === 'emergency';
  if (emergency && !policy.changeTypes.emergency)
    notes.push('The policy defines no emergency change type: nothing is bypassed.');
  const bypass = emergency ? (policy.changeTypes.emergency?.bypass ?? []) : [];
  const gates = await deps.gateRunner.run(
    storedGateRun({
      policy,
      transition,
      candidate: storedEvidenceRecords(decision, decision.version, decision.evidence, 'backtest'),
      baseline: decision.baseline
        ? storedEvidenceRecords(
            decision,
            decision.baseline.version,
            decision.baseline.evidence,
            'backtest',
          )
        : undefined,
      bypass,
      priority: 'advisory',
    }),
  );
  const runFailure = gates.find((g) => g.details.runFailed === true);
  if (runFailure) {
    report.unevaluable.push(skipOf(decision, runFailure.explanation));
    return;
  }
  report.evaluated += 1;
  const approvals = approvalsUnder(
    signOffRules(policy, decision, transition),
    decision,
    input.subjects,
  );
  const after = decideOutcome({ gates, approvals });
  if (after.outcome === decision.outcome) return;
  if (approvals && !approvals.satisfied) notes.push(...approvalNotes(after.reasons));
  report.differing.push({
    decisionId: decision.id,
    kind: decision.kind,
    model: decision.model,
    version: decision.version,
    transition: { from: decision.from, to: decision.to, changeType: decision.changeType },
    at: decision.at,
    before: side(decision.outcome, decision.gates, decision.reasons),
    after: side(after.outcome, gates, after.reasons),
    why: gateChanges(decision.gates, gates),
    notes,
  });
}

/**
 * The recorded approvals under the new policy's rules, for transition decisions — for an
 * emergency, its sign-off rules (ADR 011), so a lone break-glass execution shows as denied. They
 * are held to the decision's own policy digest: the question is what the new rules require, not
 * whether a digest changed.
 */
function approvalsUnder(
  transition: ApprovalRules,
  decision: DecisionRecord,
  subjects: Subjects,
): ApprovalEvaluation | undefined {
  if (decision.kind !== 'transition') return undefined;
  const request = decision.requestId ? subjects.requests.get(decision.requestId) : undefined;
  const version = subjects.versions.get(`${decision.model}@${decision.version}`);
  if (!request || !version) return undefined;
  return evaluateApprovals({
    transition,
    request: {
      requestedBy: request.requestedBy,
      evidenceDigest: decision.evidenceDigest,
      policyDigest: decision.policyDigest,
    },
    approvals: decision.approvalsCounted,
    version,
    now: new Date(decision.at),
  });
}

function approvalNotes(reasons: readonly string[]): string[] {
  return reasons.filter((r) => !r.startsWith('Gate '));
}

function side(
  outcome: DecisionRecord['outcome'],
  gates: readonly GateResult[],
  reasons: readonly string[],
): BacktestSide {
  return {
    outcome,
    blockingGates: gates
      .filter((g) => g.outcome !== 'pass' && g.bypassed !== true)
      .map((g) => g.gateId),
    reasons: [...reasons],
  };
}

function stateOf(g: GateResult): BacktestGateState {
  return {
    outcome: g.outcome,
    observed: g.observed,
    threshold: g.threshold,
    bypassed: g.bypassed === true,
    explanation: g.explanation,
  };
}

const blocking = (s: BacktestGateState) => s.outcome !== 'pass' && !s.bypassed;
const observedText = (v: BacktestGateState['observed']) =>
  typeof v === 'number' ? String(Number(v.toFixed(4))) : String(v);
const shown = (s: BacktestGateState) =>
  `${s.outcome}${s.bypassed ? ' (bypassed)' : ''}, observed ${observedText(s.observed)} against ${s.threshold}`;

/** Gates added, removed, or whose outcome or bypass changed. */
function gateChanges(
  before: readonly GateResult[],
  after: readonly GateResult[],
): BacktestGateChange[] {
  const then = new Map(before.map((g) => [g.gateId, stateOf(g)]));
  const now = new Map(after.map((g) => [g.gateId, stateOf(g)]));
  const changes: BacktestGateChange[] = [];
  for (const id of new Set([...then.keys(), ...now.keys()])) {
    const b = then.get(id);
    const a = now.get(id);
    if (b && a) {
      if (b.outcome === a.outcome && b.bypassed === a.bypassed) continue;
      const verb =
        blocking(a) === blocking(b) ? 'changes' : blocking(a) ? 'now blocks' : 'no longer blocks';
      changes.push({
        gateId: id,
        before: b,
        after: a,
        why: `Gate ${id} ${verb}: was ${shown(b)}; now ${shown(a)}.`,
      });
    } else if (a) {
      changes.push({ gateId: id, after: a, why: `Gate ${id} is new: ${shown(a)}.` });
    } else if (b) {
      changes.push({
        gateId: id,
        before: b,
        why: `Gate ${id} is no longer required (was ${shown(b)}).`,
      });
    }
  }
  return changes;
}
