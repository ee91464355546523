import { z } from 'zod';
import { validateLinearRegex } from '../domain/linear-regex.js';
import { defaultStates } from '../domain/policy.js';
import { documentRequirement } from './gate-schemas.js';
import {
  addProblem,
  count,
  duration,
  finite,
  identifier,
  percent,
  strict,
  text,
} from './schema-helpers.js';

/** The top-level keys, in the order the reference documents them. */
export const topLevelKeys = [
  'apiVersion',
  'kind',
  'metadata',
  'states',
  'roles',
  'evaluationSet',
  'transitions',
  'changeTypes',
  'requests',
] as const;

export const apiVersionSchema = z.literal('clearance/v1');
export const kindSchema = z.literal('Policy');

export const metadataSchema = strict({
  name: text,
  riskTier: z.enum(['low', 'medium', 'high', 'regulated', 'safety-critical']),
  description: text.optional(),
  owner: text.optional(),
});

export const statesSchema = z
  .array(identifier)
  .min(1)
  .default([...defaultStates]);

export const rolesSchema = z
  .array(
    z
      .union([identifier, strict({ id: identifier, description: text.optional() })])
      .transform((role) => (typeof role === 'string' ? { id: role } : role)),
  )
  .optional();

export const evaluationSetSchema = strict({
  id: text,
  digest: text.optional(),
  task: z.enum(['binary-classification', 'regression']).default('binary-classification'),
  label: text.default('label'),
  score: text.default('score'),
  baselineScore: text.optional(),
  idColumn: text.optional(),
  decisionThreshold: finite.default(0.5),
});

const approvalSchema = strict({ role: identifier, count: count(1).default(1) });

const approvalsSchema = z.array(approvalSchema).superRefine((approvals, ctx) => {
  approvals.forEach((approval, index) => {
    if (approvals.findIndex((other) => other.role === approval.role) !== index) {
      addProblem(ctx, {
        path: [index, 'role'],
        message: `{subject} repeats role '${approval.role}'.`,
        fix: `List each role once and use count: to ask for more than one approval.`,
      });
    }
  });
});

/** `rate`, `mean`, or a percentile `p0`…`p100` such as `p95` or `p99.9`. */
const statisticPattern = /^(rate|mean|psi|ks|p(100|[0-9]{1,2}(\.[0-9]+)?))$/;

const triggerSchema = strict({
  metric: text,
  op: z.enum(['>=', '<=', '>', '<']),
  threshold: finite,
  compare: z.enum(['absolute', 'relativeToControl', 'drift', 'burnRate']).default('absolute'),
  statistic: z
    .string()
    .superRefine((value, ctx) => {
      if (statisticPattern.test(value)) return;
      addProblem(ctx, {
        message: '{subject} is not a statistic: {value}.',
        fix: 'Use rate, mean or a percentile such as p95 (psi or ks for compare: drift).',
      });
    })
    .optional(),
  series: text.optional(),
  confidence: z.number().gt(0).lt(1).default(0.95),
  baseline: identifier.optional(),
  slo: z.number().gt(0).lt(1).optional(),
  longWindow: duration.optional(),
  period: duration.default('1m'),
  evaluationPeriods: count(1).optional(),
  datapointsToAlarm: count(1).optional(),
  sustainedFor: duration.optional(),
  treatMissing: z.enum(['breaching', 'notBreaching', 'missing', 'ignore']).default('missing'),
  minSamples: count(0).default(0),
});

const stepSchema = strict({ traffic: percent, duration });

/** A PromQL query template; placeholders are checked by the rollout builder. */
const promql = text;

const prometheusArmSchema = strict({
  successes: promql.optional(),
  trials: promql.optional(),
  value: promql.optional(),
});

const kpiSourceSchema = strict({
  prometheus: strict({
    step: duration.default('1m'),
    candidate: prometheusArmSchema,
    control: prometheusArmSchema.optional(),
  }),
});

const rolloutSchema = strict({
  canary: stepSchema.optional(),
  steps: z.array(stepSchema).min(1).optional(),
  triggers: z.array(triggerSchema).default([]),
  consecutiveErrorLimit: count(1).default(4),
  lateness: duration.default('5m'),
  sources: z.record(identifier, kpiSourceSchema).optional(),
});

const ticketSchema = strict({
  required: z.boolean().default(false),
  pattern: z
    .string()
    .superRefine((pattern, ctx) => {
      // RE2 syntax, run in linear time: a policy pattern can never stall a request.
      const checked = validateLinearRegex(pattern, { example: '^RISK-[0-9]+$' });
      if (checked.ok) return;
      addProblem(ctx, { message: `{subject} ${checked.reason}.`, fix: checked.fix });
    })
    .optional(),
});

export const transitionSchema = strict({
  from: identifier,
  to: identifier,
  requestedBy: z.array(identifier).min(1),
  gates: z.array(z.unknown()).default([]),
  approvals: approvalsSchema.default([]),
  documents: z.array(documentRequirement).min(1).optional(),
  separationOfDuties: strict({
    requesterMayApprove: z.boolean().default(false),
    creatorMayApprove: z.boolean().default(false),
    oneRolePerPerson: z.boolean().default(true),
    minDistinctApprovers: count(1).optional(),
  }).default({ requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }),
  ticket: ticketSchema.default({ required: false }),
  reason: strict({ required: z.boolean().default(true) }).default({ required: true }),
  approvalExpiresAfter: duration.optional(),
  rollout: rolloutSchema.optional(),
});

/** Request lifetime; `domain/request-expiry.ts` holds the default and normalises it. */
export const requestsSchema = strict({ expireAfter: duration.optional() }).optional();

export const emergencySchema = strict({
  allowedBy: z.array(identifier).min(1),
  bypass: z.array(identifier).default([]),
  expiresAfter: duration,
  onExpiry: z.literal('rollback').default('rollback'),
  approvals: approvalsSchema.min(1).optional(),
  postIncidentReview: strict({ dueWithin: duration, approvals: approvalsSchema.min(1) }),
});

export const experimentSchema = strict({
  maxState: identifier,
  maxCanaryTraffic: percent.optional(),
});

/** Only the keys; each change type is parsed on its own so one bad one does not hide the other. */
export const changeTypesSchema = strict({
  standard: z.union([strict({}), z.null()]).optional(),
  emergency: z.unknown().optional(),
  experiment: z.unknown().optional(),
}).optional();

export type RawTrigger = z.output<typeof triggerSchema>;
export type RawRollout = z.output<typeof rolloutSchema>;
export type RawKpiSource = z.output<typeof kpiSourceSchema>;
