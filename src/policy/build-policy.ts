import type { ChangeTypes, EvaluationSetSpec, Policy, RoleSpec } from '../domain/policy.js';
import { normaliseRequestsSection } from '../domain/request-expiry.js';
import { buildTransition, type DraftTransition } from './build-transition.js';
import { closestMatch } from './closest-match.js';
import {
  apiVersionSchema,
  changeTypesSchema,
  emergencySchema,
  evaluationSetSchema,
  experimentSchema,
  kindSchema,
  metadataSchema,
  requestsSchema,
  rolesSchema,
  statesSchema,
  topLevelKeys,
} from './policy-schema.js';
import { compact, type ProblemCollector } from './problem-collector.js';
import { show, valueAt } from './zod-problems.js';

/** Everything that parsed, kept even when other parts did not, so cross-checks can still run. */
export interface PolicyDraft {
  metadata?: Policy['metadata'];
  states?: string[];
  /** Roles as declared; `undefined` when the policy has no `roles:` (or it did not parse). */
  declaredRoles?: RoleSpec[];
  rolesDeclared: boolean;
  evaluationSet?: EvaluationSetSpec;
  evaluationSetGiven: boolean;
  transitions: DraftTransition[];
  /** False when a transition or gate failed to parse: gate-id references cannot be judged. */
  transitionsComplete: boolean;
  changeTypes?: ChangeTypes;
  requests?: Policy['requests'];
}

export function buildPolicyDraft(c: ProblemCollector): PolicyDraft | undefined {
  const root = c.root;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    c.error(
      [],
      `A policy must be a YAML mapping, not ${root === undefined ? 'an empty document' : show(root)}.`,
      'Start the file with apiVersion: clearance/v1, kind: Policy, metadata: and transitions:.',
    );
    return undefined;
  }
  for (const key of Object.keys(root)) {
    if ((topLevelKeys as readonly string[]).includes(key)) continue;
    const suggestion = closestMatch(key, topLevelKeys);
    c.error(
      [key],
      `Unknown top-level key '${key}'${suggestion ? `; did you mean '${suggestion}'?` : '.'}`,
      suggestion
        ? `Rename '${key}' to '${suggestion}'.`
        : `Remove '${key}'; the top-level keys are: ${topLevelKeys.join(', ')}.`,
      'key',
    );
  }
  c.parse(apiVersionSchema, ['apiVersion']);
  c.parse(kindSchema, ['kind']);
  const record = root as Record<string, unknown>;
  const roles = c.parse(rolesSchema, ['roles']);
  const evaluationSet = c.parse(evaluationSetSchema.optional(), ['evaluationSet']);
  const draft: PolicyDraft = {
    rolesDeclared: record.roles !== undefined,
    evaluationSetGiven: record.evaluationSet !== undefined,
    transitions: [],
    transitionsComplete: true,
  };
  const metadata = c.parse(metadataSchema, ['metadata']);
  if (metadata) draft.metadata = compact(metadata);
  const states = c.parse(statesSchema, ['states']);
  if (states) draft.states = states;
  if (roles) draft.declaredRoles = roles.map(compact);
  if (evaluationSet) {
    const { idColumn, ...rest } = evaluationSet;
    draft.evaluationSet = compact({ ...rest, id_column: idColumn });
  }
  draft.changeTypes = buildChangeTypes(c);
  const requests = normaliseRequestsSection(c.parse(requestsSchema, ['requests']));
  if (requests) draft.requests = requests;
  buildTransitions(c, record.transitions, draft);
  return draft;
}

function buildTransitions(c: ProblemCollector, raw: unknown, draft: PolicyDraft): void {
  if (!Array.isArray(raw) || raw.length === 0) {
    c.error(
      raw === undefined ? [] : ['transitions'],
      raw === undefined
        ? "Missing required key 'transitions' at the top level."
        : `'transitions' must be a list with at least one transition, not ${show(raw)}.`,
      'Add transitions: with at least one { from, to, requestedBy } entry.',
    );
    draft.transitionsComplete = false;
    return;
  }
  raw.forEach((_, index) => {
    const built = buildTransition(c, index);
    if (built) draft.transitions.push(built);
    if (!built?.complete) draft.transitionsComplete = false;
  });
}

function buildChangeTypes(c: ProblemCollector): ChangeTypes {
  c.parse(changeTypesSchema, ['changeTypes']);
  const changeTypes: ChangeTypes = {};
  if (valueAt(c.root, ['changeTypes', 'emergency']) !== undefined) {
    const emergency = c.parse(emergencySchema, ['changeTypes', 'emergency']);
    if (emergency) changeTypes.emergency = compact(emergency);
  }
  if (valueAt(c.root, ['changeTypes', 'experiment']) !== undefined) {
    const experiment = c.parse(experimentSchema, ['changeTypes', 'experiment']);
    if (experiment) changeTypes.experiment = compact(experiment);
  }
  return changeTypes;
}
