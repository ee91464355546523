/**
 * A dry run of a transition: the gates the policy names for moving a version from its current
 * state to `to`, evaluated on its evidence as stored now (against production as the baseline),
 * and the approvals that would then be needed. Nothing is stored and nothing is audited but a
 * refusal: it answers "would this pass?" before anyone files a request.
 */
import {
  type ApprovalRequirement,
  blocks,
  type GateResult,
  notFound,
  type Principal,
  refusalError,
} from '../../domain/index.js';
import { checkTransitionExists } from '../../domain/transition-rules.js';
import { evaluateGateRunInputs, readGateRunInputs } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import { guardedRead } from '../shared/read-access.js';

export interface DryRunInput {
  model: string;
  version: string;
  to: string;
}

export interface DryRunResult {
  model: string;
  version: string;
  from: string;
  to: string;
  policyDigest: string;
  evidenceDigest: string;
  /** The production version the baseline gates compared with, when there is one. */
  baselineVersion?: string;
  /** `pass` when no gate blocks; approvals are still needed (listed in `approvals`). */
  outcome: 'pass' | 'fail';
  gates: GateResult[];
  approvals: ApprovalRequirement[];
  requestedBy: string[];
}

export async function dryRunTransition(
  deps: AppDeps,
  principal: Principal,
  input: DryRunInput,
): Promise<DryRunResult> {
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  return guardedRead(
    deps,
    {
      principal,
      action: 'transition.dry_run',
      subject,
      model: input.model,
      what: `a dry run of ${subject.id}`,
    },
    async () => {
      // Read in a snapshot, then evaluate with no transaction open: a dry run's gate run waits
      // behind governed runs in the advisory queue (ADR 035) and must not hold a connection (or,
      // on SQLite, the server's reads) while it does.
      const read = await deps.store.read(async (tx) => {
        const model = await loadModel(tx, input.model);
        const policy = await loadPolicy(tx, model.policyDigest);
        const version = await tx.versions.get(model.name, input.version);
        if (!version) throw notFound(`Version ${subject.id}`, 'Register the version first.');
        const check = checkTransitionExists(policy, version.state, input.to);
        if (!check.ok) throw refusalError(check.refusal);
        const inputs = await readGateRunInputs(tx, {
          policy,
          transition: check.transition,
          model: model.name,
          version: version.version,
          bypass: [],
          // A dry run decides nothing: it waits behind requests and executions (ADR 035).
          priority: 'advisory',
        });
        return { model, version, transition: check.transition, inputs };
      });
      const { model, version, transition } = read;
      const run = await evaluateGateRunInputs(deps, read.inputs);
      return {
        model: model.name,
        version: version.version,
        from: version.state,
        to: input.to,
        policyDigest: model.policyDigest,
        evidenceDigest: run.evidenceDigest,
        ...(run.baseline ? { baselineVersion: run.baseline.version } : {}),
        outcome: run.gates.some(blocks) ? 'fail' : 'pass',
        gates: run.gates,
        approvals: transition.approvals,
        requestedBy: transition.requestedBy,
      };
    },
  );
}
