/**
 * The code behind client-commands.ts: each run is written once against the CliRegistry, and
 * answers with its JSON and its one-line text (and an exit code when not success).
 */
import { readFile } from 'node:fs/promises';
import type { RolloutActionInput, RolloutView } from '../../app/index.js';
import {
  ClearanceError,
  type DecisionRecord,
  type Lineage,
  type TransitionRequest,
} from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { evidenceFilesBelow } from '../evidence-files-below.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { loadPolicyFile } from '../load-policy-file.js';
import { readJsonFile } from '../read-json-file.js';
import type { CliRegistry } from '../registry/cli-registry.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';
import { readBatchFile } from '../rollout-batch-file.js';

interface Answer {
  json: unknown;
  text: string;
  exit?: number;
}

type Ticket = { ticket?: string };

const describeRequest = (r: TransitionRequest): string =>
  `Request ${r.id}: ${r.model} ${r.version} ${r.from} → ${r.to} (${r.changeType}), ${r.status}`;

const describeDecision = (d: DecisionRecord): string => {
  const blocking = d.gates.filter((g) => g.outcome !== 'pass' && !g.bypassed).map((g) => g.gateId);
  const why = blocking.length > 0 ? `; blocked by ${blocking.join(', ')}` : '';
  return `Decision ${d.id}: gates ${d.outcome}${why}${d.reasons.length > 0 ? ` — ${d.reasons.join(' ')}` : ''}`;
};

/** A request's --to and --reason: checked here, as `request` has subcommands (list, show). */
function required(flag: string, value: string | undefined): string {
  if (value !== undefined) return value;
  const message = `A request needs ${flag}.`;
  throw new ClearanceError('invalid_input', message, {
    problems: [{ message, fix: 'clearance request MODEL VERSION --to STATE --reason TEXT' }],
  });
}

const ticketOf = (o: Ticket) => (o.ticket ? { ticket: o.ticket } : {});

async function requestRun(
  registry: CliRegistry,
  model: string,
  version: string,
  o: { to?: string; reason?: string; changeType?: string } & Ticket,
  changeType: 'standard' | 'emergency' | 'experiment',
): Promise<Answer> {
  const to = required('--to', o.to);
  const reason = required('--reason', o.reason);
  const outcome = await registry.requestTransition({
    model,
    version,
    to,
    reason,
    changeType,
    ...ticketOf(o),
  });
  return {
    json: outcome,
    text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}`,
  };
}

async function approvalRun(
  registry: CliRegistry,
  decision: 'approve' | 'reject',
  id: string,
  o: { role: string; comment: string; risk: 'low' | 'medium' | 'high' } & Ticket,
): Promise<Answer> {
  const outcome = await registry.recordApproval({
    requestId: id,
    decision,
    role: o.role,
    comment: o.comment,
    riskClass: o.risk,
    ...ticketOf(o),
  });
  return {
    json: outcome,
    text: `Recorded ${decision} by ${outcome.approval.approver} as ${o.role}.\n${describeRequest(outcome.request)}`,
  };
}

const runs = {
  async registerModel(
    registry: CliRegistry,
    name: string,
    o: { ownerTeam: string; policy: string; description?: string },
  ): Promise<Answer> {
    const loaded = await loadPolicyFile(o.policy);
    const created = await registry.registerModel({
      name,
      ownerTeam: o.ownerTeam,
      policy: loaded.text,
      ...(o.description ? { description: o.description } : {}),
    });
    return {
      json: created,
      text: `Registered model ${created.name} under policy ${created.policyDigest}.`,
    };
  },
  async listModels(registry: CliRegistry): Promise<Answer> {
    const models = await registry.listModels();
    return {
      json: models,
      text: models.map((m) => `${m.name}\t${m.riskTier}\t${m.ownerTeam}`).join('\n'),
    };
  },
  async serving(registry: CliRegistry, name: string): Promise<Answer> {
    const view = await registry.serving(name);
    const prod = view.production
      ? `${view.production.version} since ${view.production.since}`
      : 'none';
    return {
      json: view,
      text: `${name}: production ${prod}; rollback target ${view.rollbackTarget?.version ?? 'none'}`,
    };
  },
  async registerVersion(
    registry: CliRegistry,
    model: string,
    name: string,
    o: { artifactUri: string; artifactDigest: string; lineage?: string },
  ): Promise<Answer> {
    // Checked by the registry: the server's body schema, or the use case's storable-lineage rule.
    const lineage = (o.lineage ? await readJsonFile(o.lineage, '--lineage') : {}) as Lineage;
    const created = await registry.registerVersion({
      model,
      version: name,
      artifactUri: o.artifactUri,
      artifactDigest: o.artifactDigest,
      lineage,
    });
    return { json: created, text: `Registered ${model} ${created.version} (${created.state}).` };
  },
  async importProduction(
    registry: CliRegistry,
    model: string,
    version: string,
    o: { reason: string } & Ticket,
  ): Promise<Answer> {
    const result = await registry.importProduction({
      model,
      version,
      reason: o.reason,
      ...ticketOf(o),
    });
    return {
      json: result,
      text: `Recorded ${model} ${version} as production since ${result.since}.`,
    };
  },
  async attachEvidence(
    registry: CliRegistry,
    model: string,
    version: string,
    paths: string[],
  ): Promise<Answer> {
    const attached: unknown[] = [];
    for (const root of paths) {
      for (const { path, file } of await evidenceFilesBelow(root)) {
        const bytes = new Uint8Array(await readFile(file));
        attached.push(await registry.attachEvidence({ model, version, path, bytes }));
      }
    }
    return {
      json: attached,
      text: `Attached ${attached.length} evidence file(s) to ${model} ${version}.`,
    };
  },
  request: (
    registry: CliRegistry,
    model: string,
    version: string,
    o: {
      to: string;
      reason: string;
      changeType?: 'standard' | 'emergency' | 'experiment';
    } & Ticket,
  ) => requestRun(registry, model, version, o, o.changeType ?? 'standard'),
  emergency: (
    registry: CliRegistry,
    model: string,
    version: string,
    o: { to: string; reason: string } & Ticket,
  ) => requestRun(registry, model, version, o, 'emergency'),
  approve: (registry: CliRegistry, id: string, o: Parameters<typeof approvalRun>[3]) =>
    approvalRun(registry, 'approve', id, o),
  reject: (registry: CliRegistry, id: string, o: Parameters<typeof approvalRun>[3]) =>
    approvalRun(registry, 'reject', id, o),
  async review(
    registry: CliRegistry,
    id: string,
    o: { role: string; comment: string; reject?: boolean } & Ticket,
  ): Promise<Answer> {
    const decision = o.reject ? 'reject' : 'approve';
    const outcome = await registry.recordReview({
      requestId: id,
      decision,
      role: o.role,
      comment: o.comment,
      ...ticketOf(o),
    });
    const missing = outcome.review.missing.map((m) => `${m.role} ×${m.needed}`).join(', ');
    const state = outcome.review.rejection
      ? 'rejected: closed with these findings; the model owners must remediate'
      : outcome.review.satisfied
        ? 'complete'
        : `still needs ${missing}`;
    return {
      json: outcome,
      text: `Recorded review ${decision} by ${outcome.approval.approver} as ${o.role} on request ${id}; the review is ${state}.`,
    };
  },
  async reviews(
    registry: CliRegistry,
    o: { status: 'due' | 'overdue' | 'rejected' | 'all' },
  ): Promise<Answer> {
    const items = await registry.listReviews(o.status);
    const text = items
      .map((i) => {
        const state = i.reviewComplete
          ? i.reviewOutcome === 'rejected'
            ? `REJECTED: ${i.findings ?? ''}`
            : 'complete'
          : `${i.reviewOverdue ? 'OVERDUE' : 'due'} ${i.reviewDueAt ?? ''}; needs ${i.missing.map((m) => `${m.role} ×${m.needed}`).join(', ')}`;
        const bypassed = i.bypassedGates.length > 0 ? i.bypassedGates.join(', ') : 'none';
        return `Request ${i.requestId}: ${i.model} ${i.version}, bypassed ${bypassed} — review ${state}`;
      })
      .join('\n');
    return { json: items, text: text || `No ${o.status === 'all' ? '' : `${o.status} `}reviews.` };
  },
  async promote(registry: CliRegistry, id: string): Promise<Answer> {
    const outcome = await registry.executeTransition(id);
    const demoted = outcome.demoted
      ? `\nPrevious production ${outcome.demoted} is the rollback target.`
      : outcome.rollout
        ? `\nCanary rollout ${outcome.rollout.id} started at ${outcome.rollout.traffic}% traffic (clearance rollout show ${outcome.rollout.id}).`
        : '';
    return {
      json: outcome,
      text: `${describeRequest(outcome.request)}\n${describeDecision(outcome.decision)}${demoted}`,
    };
  },
  async cancel(registry: CliRegistry, id: string, o: { reason: string }): Promise<Answer> {
    const request = await registry.cancelRequest({ requestId: id, reason: o.reason });
    return { json: request, text: describeRequest(request) };
  },
  async rollback(
    registry: CliRegistry,
    model: string,
    o: { reason: string } & Ticket,
  ): Promise<Answer> {
    const result = await registry.rollback({ model, reason: o.reason, ...ticketOf(o) });
    return {
      json: result,
      text: `Rolled ${model} back from ${result.from ?? '—'} to ${result.to ?? '—'}.`,
    };
  },
  async inbox(registry: CliRegistry): Promise<Answer> {
    const items = await registry.inbox();
    const text = items
      .map(
        (i) =>
          `${describeRequest(i.request)} — you may sign as ${i.roles.join(', ')}; decide by ${i.decideBy}`,
      )
      .join('\n');
    return { json: items, text: text || 'Nothing waits for you.' };
  },
  async rolloutShow(registry: CliRegistry, id: string): Promise<Answer> {
    const rollout = await registry.getRollout(id);
    return { json: rollout, text: describeRolloutInDetail(rollout) };
  },
  async rolloutList(
    registry: CliRegistry,
    o: { status?: RolloutView['status']; model?: string },
  ): Promise<Answer> {
    const items = await registry.listRollouts({
      ...(o.status ? { status: o.status } : {}),
      ...(o.model ? { model: o.model } : {}),
    });
    return { json: items, text: items.map(describeRollout).join('\n') || 'No rollouts.' };
  },
  pause: (registry: CliRegistry, id: string, o: ActionOptions) =>
    rolloutAction(registry, { rolloutId: id, action: 'pause', ...reasonOf(o) }),
  resume: (registry: CliRegistry, id: string, o: ActionOptions) =>
    rolloutAction(registry, { rolloutId: id, action: 'resume', ...reasonOf(o) }),
  abort: (registry: CliRegistry, id: string, o: ActionOptions) =>
    rolloutAction(registry, { rolloutId: id, action: 'abort', ...reasonOf(o) }),
  promoteNow: (registry: CliRegistry, id: string, o: ActionOptions) =>
    rolloutAction(registry, { rolloutId: id, action: 'promote', ...reasonOf(o) }),
  async observe(
    registry: CliRegistry,
    id: string,
    o: { file: string; batchId?: string },
  ): Promise<Answer> {
    const batch = await readBatchFile(o.file, o.batchId);
    const result = await registry.postObservations({ rolloutId: id, ...batch });
    const stored = result.duplicate
      ? `Batch ${result.batchId} was already stored; nothing added.`
      : `Stored ${result.accepted} points as batch ${result.batchId}.`;
    return { json: result, text: `${stored}\n${describeRollout(result.rollout)}` };
  },
  async replay(registry: CliRegistry, id: string): Promise<Answer> {
    const report = await registry.replayDecision(id);
    const text = report.reproduced
      ? `Decision ${id} reproduced: same outcome and gate results from stored evidence and policy.`
      : `Decision ${id} did NOT reproduce:\n${report.differences.map((d) => `  - ${d}`).join('\n')}`;
    return { json: report, text, exit: report.reproduced ? exitCodes.ok : exitCodes.denied };
  },
};

export type ClientRunName = keyof typeof runs;

interface ActionOptions {
  reason?: string;
  ticket?: string;
}

const reasonOf = (o: ActionOptions) => ({
  ...(o.reason ? { reason: o.reason } : {}),
  ...(o.ticket ? { ticket: o.ticket } : {}),
});

function describeRollout(r: RolloutView): string {
  const control = r.controlVersion ? ` vs ${r.controlVersion}` : '';
  return `Rollout ${r.id}: ${r.model} ${r.version}${control}, ${r.status}${r.pausedBy ? ` (${r.pausedBy})` : ''}, ${r.traffic}% traffic`;
}

function describeRolloutInDetail(r: RolloutView): string {
  const steps = r.steps.map((s) => `${s.traffic}% for ${s.duration}`).join(' → ');
  const triggers = r.triggers.map(
    (t) =>
      `  ${t.metric} ${t.op} ${t.threshold} (${t.compare}, ${t.period} windows): ${t.decided} decided, recent ${t.recent.join(' ') || '—'}`,
  );
  const actions = (r.actions ?? []).map(
    (a) =>
      `  ${a.at} ${a.action} by ${a.by}${a.ticket ? ` [${a.ticket}]` : ''}${a.reason ? `: ${a.reason}` : ''}`,
  );
  return [
    `${describeRollout(r)}; step ${r.step + 1} of ${r.steps.length} (${steps})`,
    ...triggers,
    ...(actions.length > 0 ? ['Actions:', ...actions] : []),
  ].join('\n');
}

async function rolloutAction(registry: CliRegistry, input: RolloutActionInput): Promise<Answer> {
  const rollout = await registry.controlRollout(input);
  return { json: rollout, text: describeRollout(rollout) };
}

/**
 * Runs one client command: commander's arguments are the positionals, the options and the
 * command object (dropped here).
 */
export async function runClient(io: Io, name: ClientRunName, args: unknown[]): Promise<number> {
  const given = args.slice(0, -1);
  const flags = given.at(-1) as RegistryFlags & { format: string };
  // The positionals and options commander parsed for this very command's declaration.
  const run = runs[name] as (registry: CliRegistry, ...a: unknown[]) => Promise<Answer>;
  const answer = await withCliRegistry(flags, 'server', (registry) => run(registry, ...given));
  io.stdout.write(flags.format === 'json' ? `${toJson(answer.json)}\n` : `${answer.text}\n`);
  return answer.exit ?? exitCodes.ok;
}
