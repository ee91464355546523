/**
 * A production promotion whose policy transition has a canary starts a rollout instead of a full
 * switch: the candidate takes its first step's share of traffic beside the production version
 * (the control), and the rollout's evaluation (app/rollouts) completes or rolls it back later.
 */
import {
  ClearanceError,
  type DecisionRecord,
  type Policy,
  type Principal,
  type RolloutSpec,
  type TransitionPolicy,
  type TransitionRequest,
} from '../../domain/index.js';
import { readDriftBaseline, startRollout } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { emit } from '../shared/emit-event.js';
import type { Repositories } from '../shared/ports.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';

/** Whether executing `request` under `transition` starts a canary rather than a full switch. */
export function startsCanary(request: TransitionRequest, transition: TransitionPolicy): boolean {
  return (
    request.to === 'production' &&
    request.changeType !== 'emergency' &&
    (transition.rollout?.steps.length ?? 0) > 0
  );
}

/** A model runs one canary at a time; a second production promotion waits for it to end. */
export async function assertNoActiveRollout(tx: Repositories, model: string): Promise<void> {
  const [active] = await tx.rollouts.list({ model, status: ['running', 'paused'] });
  if (!active) return;
  const message = `Model ${model} has rollout ${active.id} of version ${active.version} ${active.state.status}; a production promotion waits until it ends.`;
  throw new ClearanceError('conflict', message, {
    problems: [
      {
        message,
        fix: `Let the canary finish, or end it with clearance rollout abort ${active.id} (or promote ${active.id}).`,
      },
    ],
  });
}

/** What each drift trigger compares with: the values, and the evidence file they came from. */
interface DriftBaselines {
  values: Record<string, number[]>;
  /** By series: the evidence item (path and digest) the approved decision evaluated. */
  sources: Record<string, { path: string; digest: string }>;
}

/**
 * The baseline values each drift trigger reads, from the evidence item of the trigger's
 * `baseline` kind in the execution's decision — the evidence set the approvals are bound to (an
 * approval counts only for the evidence digest it signed) — read from the blob store by that
 * item's digest, so the canary is judged against exactly the approved file. A missing or
 * unreadable baseline refuses the start: the canary would otherwise run without the drift monitor
 * its policy promised.
 */
async function loadBaselines(
  deps: AppDeps,
  input: { transition: TransitionPolicy; decision: DecisionRecord },
): Promise<DriftBaselines> {
  const drift = (input.transition.rollout?.triggers ?? []).filter((t) => t.compare === 'drift');
  const baselines: DriftBaselines = { values: {}, sources: {} };
  const { model, version, evidence } = input.decision;
  for (const trigger of drift) {
    const item = evidence.find((e) => e.kind === trigger.baseline);
    const refuse = (reason: string): never => {
      const message = `Drift trigger ${trigger.metric} cannot start: ${reason}`;
      throw new ClearanceError('precondition_failed', message, {
        problems: [
          {
            message,
            fix: `Attach ${trigger.baseline} evidence with { "distributions": { "${trigger.series}": [...] } } to ${model}@${version}.`,
          },
        ],
      });
    };
    if (!item) return refuse(`${model}@${version} has no ${trigger.baseline} evidence.`);
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(await deps.blobs.get(item.digest)));
    } catch {
      return refuse(`${item.path} (${item.digest}) is not readable JSON.`);
    }
    const read = readDriftBaseline(data, trigger.series);
    if (!read.ok) return refuse(read.reason);
    baselines.values[trigger.series] = Array.from(read.values);
    baselines.sources[trigger.series] = { path: item.path, digest: item.digest };
  }
  return baselines;
}

/**
 * An experiment's canary: the transition's steps with every share capped at the policy's
 * `changeTypes.experiment.maxCanaryTraffic`. Without the cap, an experiment has no canary to run.
 */
function experimentSpec(policy: Policy, transition: TransitionPolicy): RolloutSpec {
  const rollout = transition.rollout as RolloutSpec;
  const cap = policy.changeTypes.experiment?.maxCanaryTraffic;
  if (cap === undefined) {
    const message = `An experiment may not reach ${transition.to}: policy ${policy.metadata.name} sets no changeTypes.experiment.maxCanaryTraffic.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Request a standard change to reach full production.' }],
    });
  }
  return {
    ...rollout,
    steps: rollout.steps.map((step) => ({ ...step, traffic: Math.min(step.traffic, cap) })),
  };
}

/** Starts the canary in the caller's transaction (model row locked): row, serving, audit, event. */
export async function startCanary(
  deps: AppDeps,
  tx: Repositories,
  input: {
    policy: Policy;
    transition: TransitionPolicy;
    request: TransitionRequest;
    /** The execution's decision: its evidence items are the approved set. */
    decision: DecisionRecord;
    principal: Principal;
    at: string;
  },
): Promise<RolloutRecord> {
  const { request, transition, at } = input;
  if (!transition.rollout) throw new Error('startCanary needs a transition with a rollout');
  const baselines = await loadBaselines(deps, { transition, decision: input.decision });
  const control = (await tx.versions.inState(request.model, 'production'))[0]?.version;
  const experiment = request.changeType === 'experiment';
  const spec = experiment ? experimentSpec(input.policy, transition) : transition.rollout;
  const started = startRollout(spec, Date.parse(at), { experiment });
  const rollout: RolloutRecord = {
    id: `ro_${deps.ids.next()}`,
    model: request.model,
    version: request.version,
    ...(control !== undefined ? { controlVersion: control } : {}),
    requestId: request.id,
    from: request.from,
    policyDigest: request.policyDigest,
    spec,
    state: started.state,
    baselines: baselines.values,
    startedAt: at,
    startedBy: input.principal.id,
    updatedAt: at,
  };
  await tx.rollouts.insert(rollout);
  const serving = await tx.serving.get(request.model);
  await tx.serving.set({
    ...serving,
    canary: { version: request.version, traffic: started.state.traffic, since: at },
  });
  await tx.audit.append(
    auditRecord({
      actor: input.principal,
      time: at,
      action: 'rollout.started',
      subject: { type: 'rollout', id: rollout.id },
      digests: { policy: request.policyDigest },
      data: {
        model: request.model,
        version: request.version,
        control: control ?? null,
        requestId: request.id,
        traffic: started.state.traffic,
        steps: spec.steps,
        triggers: spec.triggers.map((t) => t.metric),
        ...(Object.keys(baselines.sources).length > 0 ? { driftBaselines: baselines.sources } : {}),
      },
    }),
  );
  await emit(tx, deps, {
    type: 'rollout.started',
    at,
    subject: {
      model: request.model,
      version: request.version,
      requestId: request.id,
      rolloutId: rollout.id,
    },
    data: {
      rollout: rolloutSummary(rollout),
      ...(control !== undefined ? { baselineVersion: control } : {}),
    },
  });
  return rollout;
}

/** The rollout as events describe it: traffic as a share from 0 to 1. */
export function rolloutSummary(rollout: RolloutRecord) {
  return {
    id: rollout.id,
    model: rollout.model,
    version: rollout.version,
    traffic: rollout.state.traffic / 100,
  };
}
