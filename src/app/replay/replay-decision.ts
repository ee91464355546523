import { evaluateApprovals } from '../../domain/approval-rules.js';
import {
  canonicalJson,
  type DecisionRecord,
  evidenceSetDigest,
  findTransition,
  type GateResult,
  notFound,
  type Policy,
  type Principal,
} from '../../domain/index.js';
import { parsePolicy, policyDigest } from '../../policy/index.js';
import { decideOutcome } from '../gate-evaluation/decide-transition.js';
import { storedEvidenceRecords, storedGateRun } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';
import { guardedRead } from '../shared/read-access.js';
import { signOffRules } from '../transitions/approval-facts.js';
import { decisionRead, loadDecision } from '../transitions/request-queries.js';

export interface GateSummary {
  gateId: string;
  outcome: GateResult['outcome'];
  observed: GateResult['observed'];
  bypassed: boolean;
}

export interface ReplayReport {
  decisionId: string;
  /** True when the policy and evidence are intact and the outcome and every gate match. */
  reproduced: boolean;
  policyIntact: boolean;
  evidenceIntact: boolean;
  original: { outcome: DecisionRecord['outcome']; gates: GateSummary[] };
  replayed?: { outcome: DecisionRecord['outcome']; gates: GateSummary[] };
  differences: string[];
}

const summarise = (gates: readonly GateResult[]): GateSummary[] =>
  gates.map((g) => ({
    gateId: g.gateId,
    outcome: g.outcome,
    observed: g.observed,
    bypassed: g.bypassed === true,
  }));

/** The stored policy text, parsed, and whether it still hashes to the digest the decision used. */
function storedPolicy(
  text: string | undefined,
  digest: string,
  differences: string[],
): Policy | undefined {
  if (text === undefined) {
    differences.push(`Policy ${digest} is not stored.`);
    return undefined;
  }
  const parsed = parsePolicy(text, `policy ${digest}`);
  if (!parsed.ok) {
    differences.push(`The stored text of policy ${digest} no longer parses.`);
    return undefined;
  }
  if (policyDigest(parsed.policy) !== digest) {
    differences.push(
      `The stored text of policy ${digest} now hashes to ${parsed.digest}: it was altered.`,
    );
  }
  return parsed.policy;
}

/**
 * Recomputes a stored decision from the stored policy text and stored evidence alone (plus the
 * recorded approvals and clock) and reports whether it reaches the same outcome and gate results.
 * For those who may read the decision (a role on its model).
 */
export async function replayDecision(
  deps: AppDeps,
  principal: Principal,
  input: { decisionId: string },
): Promise<ReplayReport> {
  const decision = await loadDecision(deps, input.decisionId);
  return guardedRead(deps, decisionRead(principal, decision, 'decision.replay'), () =>
    replay(deps, input.decisionId),
  );
}

async function replay(deps: AppDeps, decisionId: string): Promise<ReplayReport> {
  const loaded = await deps.store.read(async (tx) => loadInputs(tx, decisionId));
  const { decision } = loaded;
  const differences: string[] = [];
  const policy = storedPolicy(loaded.policyText, decision.policyDigest, differences);
  const policyIntact = differences.length === 0;
  const evidenceIntact = evidenceSetDigest(decision.evidence) === decision.evidenceDigest;
  if (!evidenceIntact)
    differences.push(
      'The recorded evidence list no longer hashes to the recorded evidence digest.',
    );
  const original = { outcome: decision.outcome, gates: summarise(decision.gates) };
  const transition = policy ? findTransition(policy, decision.from, decision.to) : undefined;
  if (!policy || !transition) {
    if (policy) differences.push(`The policy has no transition ${decision.from} → ${decision.to}.`);
    return {
      decisionId: decision.id,
      reproduced: false,
      policyIntact,
      evidenceIntact,
      original,
      differences,
    };
  }
  const gates = await deps.gateRunner.run(
    storedGateRun({
      policy,
      transition,
      candidate: storedEvidenceRecords(decision, decision.version, decision.evidence, 'replay'),
      baseline: decision.baseline
        ? storedEvidenceRecords(
            decision,
            decision.baseline.version,
            decision.baseline.evidence,
            'replay',
          )
        : undefined,
      bypass: decision.bypass,
      priority: 'advisory',
    }),
  );
  // Emergencies decided before their sign-offs were required (no `signOff`) had none to count.
  const judgesApprovals = decision.changeType !== 'emergency' || decision.signOff !== undefined;
  const approvals =
    decision.kind === 'transition' && judgesApprovals && loaded.subjects
      ? evaluateApprovals({
          transition: signOffRules(policy, decision, transition),
          request: {
            requestedBy: loaded.subjects.requestedBy,
            evidenceDigest: decision.evidenceDigest,
            policyDigest: decision.policyDigest,
          },
          approvals: decision.approvalsCounted,
          version: loaded.subjects.version,
          now: new Date(decision.at),
        })
      : undefined;
  if (decision.signOff) {
    const rules = signOffRules(policy, decision, transition);
    const again = { approvals: rules.approvals, anyOne: rules.anyOne === true };
    if (canonicalJson(again) !== canonicalJson(decision.signOff)) {
      differences.push(
        `The policy demands the sign-off ${canonicalJson(again)}; the decision recorded ${canonicalJson(decision.signOff)}.`,
      );
    }
  }
  const replayed = {
    outcome: decideOutcome({ gates, approvals }).outcome,
    gates: summarise(gates),
  };
  compare(original, replayed, differences);
  return {
    decisionId: decision.id,
    reproduced: differences.length === 0,
    policyIntact,
    evidenceIntact,
    original,
    replayed,
    differences,
  };
}

async function loadInputs(tx: Repositories, id: string) {
  const decision = await tx.decisions.get(id);
  if (!decision)
    throw notFound(`Decision ${id}`, 'Check the decision id (see the request or the audit log).');
  const policyText = (await tx.policies.get(decision.policyDigest))?.text;
  const request = decision.requestId ? await tx.requests.get(decision.requestId) : undefined;
  const version = await tx.versions.get(decision.model, decision.version);
  const subjects = request && version ? { requestedBy: request.requestedBy, version } : undefined;
  return { decision, policyText, subjects };
}

function compare(
  original: ReplayReport['original'],
  replayed: NonNullable<ReplayReport['replayed']>,
  differences: string[],
): void {
  if (original.outcome !== replayed.outcome)
    differences.push(`Outcome was ${original.outcome}; replay gives ${replayed.outcome}.`);
  const byId = new Map(replayed.gates.map((g) => [g.gateId, g]));
  for (const gate of original.gates) {
    const again = byId.get(gate.gateId);
    if (!again) differences.push(`Gate ${gate.gateId} is no longer evaluated.`);
    else if (JSON.stringify(again) !== JSON.stringify(gate)) {
      differences.push(
        `Gate ${gate.gateId} was ${gate.outcome} (${String(gate.observed)}); replay gives ${again.outcome} (${String(again.observed)}).`,
      );
    }
    byId.delete(gate.gateId);
  }
  for (const id of byId.keys()) differences.push(`Gate ${id} is evaluated now but was not then.`);
}
