import { findPredictionMetric } from '../domain/metrics.js';
import type { GateSpec, Policy, RoleSpec } from '../domain/policy.js';
import type { PolicyDraft } from './build-policy.js';
import { closestMatch } from './closest-match.js';
import { describePath } from './describe-path.js';
import type { ProblemCollector } from './problem-collector.js';
import type { DataPath } from './source-map.js';

/**
 * Checks that need more than one part of the policy (states, roles, gate ids, the evaluation set),
 * then assembles the `Policy` when nothing is wrong. Runs on whatever parsed, so these problems
 * are reported together with the schema problems.
 */
export function checkPolicy(c: ProblemCollector, draft: PolicyDraft): Policy | undefined {
  checkStates(c, draft);
  const roles = checkRoles(c, draft);
  checkGates(c, draft);
  checkChangeTypes(c, draft);
  addWarnings(c, draft);
  if (c.errors.length > 0 || !draft.metadata || !draft.states || !draft.changeTypes)
    return undefined;
  return {
    apiVersion: 'clearance/v1',
    kind: 'Policy',
    metadata: draft.metadata,
    states: draft.states,
    roles,
    ...(draft.evaluationSet && { evaluationSet: draft.evaluationSet }),
    transitions: draft.transitions.map((entry) => entry.transition),
    changeTypes: draft.changeTypes,
    ...(draft.requests && { requests: draft.requests }),
  };
}

function listOf(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
}

function checkReference(
  c: ProblemCollector,
  reference: { path: DataPath; value: string; kind: 'state' | 'role' },
  declared: readonly string[],
): void {
  if (declared.includes(reference.value)) return;
  const suggestion = closestMatch(reference.value, declared);
  const plural = reference.kind === 'state' ? 'states' : 'roles';
  c.error(
    reference.path,
    `${describePath(reference.path)} is '${reference.value}', which is not a declared ${reference.kind}; declared ${plural}: ${listOf(declared)}.`,
    suggestion
      ? `Did you mean '${suggestion}'?`
      : `Add '${reference.value}' to ${plural}: or use a declared ${reference.kind}.`,
  );
}

function duplicates(values: readonly string[]): number[] {
  return values.flatMap((value, index) => (values.indexOf(value) === index ? [] : [index]));
}

function checkStates(c: ProblemCollector, draft: PolicyDraft): void {
  const states = draft.states;
  if (!states) return;
  for (const index of duplicates(states)) {
    c.error(['states', index], `State '${states[index]}' is listed twice.`, 'Remove the repeat.');
  }
  const seen = new Map<string, number>();
  for (const { index, transition } of draft.transitions) {
    const path = ['transitions', index];
    checkReference(c, { path: [...path, 'from'], value: transition.from, kind: 'state' }, states);
    checkReference(c, { path: [...path, 'to'], value: transition.to, kind: 'state' }, states);
    if (transition.from === transition.to) {
      c.error(
        [...path, 'to'],
        `${describePath(path)} goes from '${transition.from}' to itself.`,
        'Set to: to a different state.',
      );
    }
    const key = `${transition.from}\u0000${transition.to}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else {
      c.error(
        path,
        `${describePath(path)} repeats ${transition.from} → ${transition.to}, already defined by transition ${first + 1}.`,
        'Merge the two transitions into one.',
      );
    }
  }
}

/** Every role reference with its path, in the order a reader meets them. */
function roleReferences(draft: PolicyDraft): { path: DataPath; value: string; kind: 'role' }[] {
  const references: { path: DataPath; value: string; kind: 'role' }[] = [];
  for (const { index, transition } of draft.transitions) {
    const path = ['transitions', index];
    transition.requestedBy.forEach((value, j) => {
      references.push({ path: [...path, 'requestedBy', j], value, kind: 'role' });
    });
    transition.approvals.forEach(({ role }, j) => {
      references.push({ path: [...path, 'approvals', j, 'role'], value: role, kind: 'role' });
    });
  }
  const emergency = draft.changeTypes?.emergency;
  const base = ['changeTypes', 'emergency'];
  emergency?.allowedBy.forEach((value, j) => {
    references.push({ path: [...base, 'allowedBy', j], value, kind: 'role' });
  });
  emergency?.approvals?.forEach(({ role }, j) => {
    references.push({ path: [...base, 'approvals', j, 'role'], value: role, kind: 'role' });
  });
  emergency?.postIncidentReview.approvals.forEach(({ role }, j) => {
    const path = [...base, 'postIncidentReview', 'approvals', j, 'role'];
    references.push({ path, value: role, kind: 'role' });
  });
  return references;
}

function checkRoles(c: ProblemCollector, draft: PolicyDraft): RoleSpec[] {
  const references = roleReferences(draft);
  if (!draft.rolesDeclared) {
    return [...new Set(references.map((reference) => reference.value))].map((id) => ({ id }));
  }
  const declared = draft.declaredRoles;
  if (!declared) return [];
  const ids = declared.map((role) => role.id);
  for (const index of duplicates(ids)) {
    c.error(['roles', index], `Role '${ids[index]}' is declared twice.`, 'Remove the repeat.');
  }
  for (const reference of references) checkReference(c, reference, ids);
  return declared;
}

function needsPredictions(gate: GateSpec): boolean {
  if (gate.type === 'fairness' || gate.type === 'robustness') return true;
  return (
    (gate.type === 'metric' || gate.type === 'baseline') && !!findPredictionMetric(gate.metric)
  );
}

function checkGates(c: ProblemCollector, draft: PolicyDraft): void {
  for (const { transition, gatePaths } of draft.transitions) {
    const ids = transition.gates.map((gate) => gate.id);
    for (const index of duplicates(ids)) {
      const path = gatePaths[index] ?? [];
      c.error(
        path[path.length - 1] === 'documents' ? path : [...path, 'id'],
        `Gate id '${ids[index]}' is used twice in ${describePath(path.slice(0, 2))}.`,
        'Give each gate in a transition its own id.',
      );
    }
    transition.gates.forEach((gate, index) => {
      const path = gatePaths[index] ?? [];
      if (!needsPredictions(gate)) return;
      if (!draft.evaluationSetGiven) {
        c.error(
          path,
          `Gate '${gate.id}' (${describePath(path)}) is computed from predictions, but the policy has no evaluationSet.`,
          'Add evaluationSet: { id: …, digest: … } naming the locked evaluation set.',
        );
        return;
      }
      if (gate.type === 'robustness' && draft.evaluationSet?.id_column === undefined) {
        c.error(
          path,
          `Gate '${gate.id}' (${describePath(path)}) matches stress-set rows to the clean predictions by row id, but evaluationSet has no idColumn.`,
          'Add idColumn: (the column naming each row of the locked evaluation set) to evaluationSet.',
        );
      }
      const known = 'metric' in gate ? findPredictionMetric(gate.metric) : undefined;
      const task = draft.evaluationSet?.task;
      if (known && task && known.task !== task) {
        c.error(
          [...path, 'metric'],
          `${describePath([...path, 'metric'])} is '${known.name}', a ${known.task} metric, but evaluationSet.task is ${task}.`,
          `Use a ${task} metric, or set evaluationSet.task: ${known.task}.`,
        );
      }
    });
  }
}

function checkChangeTypes(c: ProblemCollector, draft: PolicyDraft): void {
  const emergency = draft.changeTypes?.emergency;
  if (emergency && draft.transitionsComplete) {
    const gateIds = new Set(draft.transitions.flatMap((t) => t.transition.gates.map((g) => g.id)));
    emergency.bypass.forEach((id, j) => {
      if (gateIds.has(id)) return;
      const suggestion = closestMatch(id, [...gateIds]);
      c.error(
        ['changeTypes', 'emergency', 'bypass', j],
        `Emergency bypass names gate '${id}', which no transition defines; gate ids: ${listOf([...gateIds])}.`,
        suggestion
          ? `Did you mean '${suggestion}'?`
          : 'Use the id of a gate defined in a transition.',
      );
    });
  }
  const experiment = draft.changeTypes?.experiment;
  const states = draft.states;
  if (!experiment || !states) return;
  const path = ['changeTypes', 'experiment', 'maxState'];
  if (!states.includes(experiment.maxState)) {
    checkReference(c, { path, value: experiment.maxState, kind: 'state' }, states);
    return;
  }
  const production = states.indexOf('production');
  if (production >= 0 && states.indexOf(experiment.maxState) >= production) {
    const earlier = states.slice(0, production);
    c.error(
      path,
      `Experiments may never reach full production, but maxState is '${experiment.maxState}'.`,
      `Use a state before production (${listOf(earlier)}); use maxCanaryTraffic: to allow a canary.`,
    );
  }
}

function addWarnings(c: ProblemCollector, draft: PolicyDraft): void {
  let hasFairness = false;
  for (const { index, transition } of draft.transitions) {
    const path = ['transitions', index];
    hasFairness ||= transition.gates.some((gate) => gate.type === 'fairness');
    if (transition.to !== 'production') continue;
    if (transition.approvals.length === 0) {
      c.warn(
        path,
        `${describePath(path)} promotes to production with no approvals.`,
        'Add approvals: with at least one role, so a person signs off.',
      );
    }
    const rollout = transition.rollout;
    if (rollout && rollout.steps.length > 0 && rollout.triggers.length === 0) {
      c.warn(
        [...path, 'rollout'],
        `The production canary of ${describePath(path)} has no rollback triggers.`,
        'Add rollout.triggers:, for example p95 latency or error rate sustained for 15m.',
      );
    }
  }
  const tier = draft.metadata?.riskTier;
  if (!hasFairness && (tier === 'regulated' || tier === 'high') && draft.transitionsComplete) {
    c.warn(
      ['metadata', 'riskTier'],
      `The policy is ${tier} risk but has no fairness gate.`,
      'Add a fairness gate on a sensitive attribute, such as disparate_impact_ratio with min: 0.8.',
    );
  }
  const digest = draft.evaluationSet?.digest;
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    c.warn(
      ['evaluationSet', 'digest'],
      `evaluationSet.digest '${digest}' is not a sha256:<64 hex digits> digest, so predictions cannot be matched to the locked set.`,
      'Write the SHA-256 of the evaluation set file as sha256:<hex>.',
    );
  }
}
