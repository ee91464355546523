import { z } from 'zod';
import { findPredictionMetric, metricDirection, predictionMetrics } from '../domain/metrics.js';
import { fairnessMetrics, type GateType, lineageFields } from '../domain/policy.js';
import { addProblem, count, finite, identifier, strict, text } from './schema-helpers.js';

/** Keys every gate has. */
const common = <Type extends GateType>(type: Type) => ({
  id: identifier,
  type: z.literal(type),
  description: text.optional(),
});

const atLeastOneBound = (
  gate: { min?: number | undefined; max?: number | undefined },
  ctx: z.core.$RefinementCtx,
): void => {
  if (gate.min === undefined && gate.max === undefined) {
    addProblem(ctx, {
      message: '{subject} needs a bound: set min, max or both.',
      fix: 'Add min: (the lowest acceptable value) or max: (the highest).',
    });
  } else if (gate.min !== undefined && gate.max !== undefined && gate.min > gate.max) {
    addProblem(ctx, {
      path: ['min'],
      message: `{subject} (${gate.min}) is greater than max (${gate.max}); no value can pass.`,
      fix: 'Swap min and max, or correct one of them.',
    });
  }
};

const metricGate = strict({
  ...common('metric'),
  metric: text,
  min: finite.optional(),
  max: finite.optional(),
}).superRefine(atLeastOneBound);

const baselineGate = strict({
  ...common('baseline'),
  metric: text,
  maxDegradation: finite.gte(0).optional(),
  minImprovement: finite.gte(0).optional(),
  relative: z.boolean().default(false),
  confidence: z.number().gt(0).lt(1).default(0.95),
  test: z.enum(['auto', 'delong', 'bootstrap', 'two-proportion']).default('auto'),
  direction: z.enum(['higher', 'lower']).optional(),
  // Bounded: one gate run must fit its time budget (docs/security.md).
  resamples: count(100).lte(100_000).default(2000),
  seed: z.number().int().default(20240101),
}).superRefine((gate, ctx) => {
  if ((gate.maxDegradation === undefined) === (gate.minImprovement === undefined)) {
    addProblem(ctx, {
      message: '{subject} needs exactly one of maxDegradation or minImprovement.',
      fix: 'Use maxDegradation: to allow a small drop, or minImprovement: to require a gain.',
    });
  }
  if (gate.test === 'delong' && gate.metric !== 'auc') {
    addProblem(ctx, {
      path: ['test'],
      message: `{subject} is 'delong', which only applies to auc, not '${gate.metric}'.`,
      fix: "Use test: auto (or bootstrap), or remove 'test'.",
    });
  }
  const known = metricDirection(gate.metric);
  if (known === undefined && gate.direction === undefined) {
    addProblem(ctx, {
      message: `{subject} compares '${gate.metric}', whose better direction is not known.`,
      fix: 'Add direction: higher (bigger is better) or direction: lower.',
    });
  } else if (known !== undefined && gate.direction !== undefined && gate.direction !== known) {
    addProblem(ctx, {
      path: ['direction'],
      message: `{subject} says '${gate.direction}', but ${gate.metric} is always better when ${known}.`,
      fix: `Remove 'direction' or set it to '${known}'.`,
    });
  }
});

const robustnessGate = strict({
  ...common('robustness'),
  metric: text,
  maxDegradation: finite.gte(0),
  relative: z.boolean().default(false),
  sets: z.array(text).min(1).optional(),
}).superRefine((gate, ctx) => {
  if (findPredictionMetric(gate.metric) === undefined) {
    addProblem(ctx, {
      path: ['metric'],
      message: `{subject} is '${gate.metric}', which Clearance cannot recompute from predictions on the stress sets.`,
      fix: `Use a prediction metric: ${predictionMetrics.map((m) => m.name).join(', ')}.`,
    });
  }
});

const fairnessGate = strict({
  ...common('fairness'),
  attribute: text,
  metric: z.enum(fairnessMetrics),
  privileged: text.optional(),
  min: finite.optional(),
  max: finite.optional(),
  minGroupSize: count(1).default(30),
}).superRefine((gate, ctx) => {
  atLeastOneBound(gate, ctx);
  if (gate.privileged !== undefined && gate.metric !== 'disparate_impact_ratio') {
    addProblem(ctx, {
      path: ['privileged'],
      message: `{subject} only applies to disparate_impact_ratio, not ${gate.metric}.`,
      fix: "Remove 'privileged'; the gate compares the worst pair of groups.",
    });
  }
});

const reproducibilityGate = strict({
  ...common('reproducibility'),
  require: z
    .array(z.enum(lineageFields))
    .min(1)
    .default(['codeCommit', 'dataSnapshotId', 'configDigest', 'seed']),
});

const security = strict({
  ...common('security'),
  sbom: z.enum(['required', 'optional']).default('required'),
  licenses: strict({ allow: z.array(text).optional(), deny: z.array(text).optional() }).optional(),
  secrets: z.enum(['deny', 'allow']).default('deny'),
  pii: strict({ fields: z.array(text).min(1), allowed: z.array(text).optional() }).optional(),
  vulnerabilities: strict({
    maxCritical: count(0).optional(),
    maxHigh: count(0).optional(),
    maxMedium: count(0).optional(),
    maxLow: count(0).optional(),
  }).optional(),
});

/** `model_card` or `{ name: model_card, sections: [intended_use] }`. */
export const documentRequirement = z
  .union([text, strict({ name: text, sections: z.array(text).default([]) })])
  .transform((item) => (typeof item === 'string' ? { name: item, sections: [] } : item));

const documentsGate = strict({
  ...common('documents'),
  require: z.array(documentRequirement).min(1),
});

const expressionGate = strict({ ...common('expression'), expr: text });

/** One schema per gate type; the parser picks by `type` so it can name the types itself. */
export const gateSchemas = {
  metric: metricGate,
  baseline: baselineGate,
  robustness: robustnessGate,
  fairness: fairnessGate,
  reproducibility: reproducibilityGate,
  security,
  documents: documentsGate,
  expression: expressionGate,
} as const satisfies Record<GateType, z.ZodType>;
