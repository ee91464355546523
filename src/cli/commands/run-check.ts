// The module itself, not app/index.js: the app's face loads every use case (and the audit log,
// evidence packs, tar), which `clearance check` never runs.
import { evaluateGateRun, groupColumnsFor } from '../../app/gate-evaluation/evaluate-gate-run.js';
import {
  type ChangeType,
  ClearanceError,
  decideCheck,
  type EvidenceBundle,
  type Policy,
  type TransitionPolicy,
} from '../../domain/index.js';
import { checkChangeOnTransition, checkTransitionExists } from '../../domain/transition-rules.js';
import { loadEvidenceBundle } from '../../evidence/index.js';
import type { CheckReport } from '../check-report.js';
import { loadPolicyFile } from '../load-policy-file.js';
import type { Progress } from '../progress.js';

export interface CheckOptions {
  policyFile: string;
  transition: string;
  evidenceDir: string;
  baselineDir?: string;
  changeType: ChangeType;
  progress?: Progress;
}

/**
 * The policy's transition named by `--transition FROM:TO`, by the server's own rule
 * (domain/transition-rules.ts). The server refuses a missing transition as a precondition of the
 * stored policy; here the transition comes from a flag, so it is bad input (exit 2).
 */
function parseTransition(text: string, policy: Policy): TransitionPolicy {
  const [from, to, extra] = text.split(':');
  if (!from || !to || extra !== undefined) {
    throw new ClearanceError('invalid_input', `Transition "${text}" is not of the form FROM:TO.`, {
      problems: [
        {
          message: 'Expected two state names separated by a colon.',
          fix: 'Write e.g. --transition staging:production.',
        },
      ],
    });
  }
  const found = checkTransitionExists(policy, from, to);
  if (found.ok) return found.transition;
  const { message, fix } = found.refusal;
  throw new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

/**
 * The change type's refusal, by the rule the server applies to a transition request (the change
 * type may take the transition; an experiment reaches production only as a canary).
 */
function refusalsFor(
  policy: Policy,
  transition: TransitionPolicy,
  changeType: ChangeType,
): string[] {
  const checked = checkChangeOnTransition(policy, transition.from, transition.to, changeType);
  return checked.ok ? [] : [checked.refusal.message];
}

function summarise(report: Pick<CheckReport, 'gates' | 'refusals' | 'bypassedGates'>): string {
  const blocking = report.gates.filter((g) => g.outcome !== 'pass' && !g.bypassed);
  if (report.refusals.length > 0) return report.refusals.join(' ');
  if (blocking.length === 0) {
    const bypassed = report.bypassedGates.length;
    const note = bypassed > 0 ? ` (${bypassed} bypassed by the emergency change type)` : '';
    return `All ${report.gates.length} gates passed${note}.`;
  }
  const names = blocking.map((g) => `${g.gateId} (${g.outcome})`).join(', ');
  return `${blocking.length} of ${report.gates.length} gates block: ${names}.`;
}

function describeBundle(bundle: EvidenceBundle) {
  return { root: bundle.root, items: bundle.items };
}

/** `clearance check`: evaluates one transition's gates on local evidence. */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const loaded = await loadPolicyFile(options.policyFile);
  const { policy } = loaded;
  const transition = parseTransition(options.transition, policy);
  const evaluationSet = policy.evaluationSet;
  const onProgress = options.progress
    ? (done: number, total: number) => options.progress?.update(done, total)
    : undefined;
  const bundleOptions = {
    ...(evaluationSet ? { evaluationSet } : {}),
    groupColumns: groupColumnsFor(transition.gates),
    ...(onProgress ? { onProgress } : {}),
  };
  const candidate = await loadEvidenceBundle(options.evidenceDir, bundleOptions);
  const baseline = options.baselineDir
    ? await loadEvidenceBundle(options.baselineDir, { ...bundleOptions, groupColumns: [] })
    : undefined;
  options.progress?.finish();

  const bypass =
    options.changeType === 'emergency' ? (policy.changeTypes.emergency?.bypass ?? []) : [];
  // The server's gate code, on this thread: a local check has no event loop to keep free.
  const gates = evaluateGateRun({
    gates: transition.gates,
    evaluationSet,
    bypass,
    candidate: { ok: true, bundle: candidate },
    baseline: baseline ? { ok: true, bundle: baseline } : undefined,
  });
  const decision = decideCheck(transition, gates);
  const refusals = refusalsFor(policy, transition, options.changeType);
  const partial = { gates, refusals, bypassedGates: decision.bypassedGates };
  return {
    decision: decision.gatesPassed && refusals.length === 0 ? 'allowed' : 'denied',
    summary: summarise(partial),
    policy: { name: policy.metadata.name, file: loaded.file, digest: loaded.digest },
    transition: { from: transition.from, to: transition.to, changeType: options.changeType },
    evidence: {
      candidate: describeBundle(candidate),
      ...(baseline ? { baseline: describeBundle(baseline) } : {}),
    },
    gates,
    approvalsRequired: decision.approvalsRequired,
    separationOfDuties: decision.separationOfDuties,
    ticket: decision.ticket,
    reasonRequired: decision.reasonRequired,
    bypassedGates: decision.bypassedGates,
    refusals,
  };
}
