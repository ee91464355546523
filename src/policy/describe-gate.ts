import { metricDirection } from '../domain/metrics.js';
import type {
  BaselineGateSpec,
  FairnessGateSpec,
  GateSpec,
  SecurityGateSpec,
} from '../domain/policy.js';

const displayNames: Record<string, string> = { auc: 'AUC', ks: 'KS', fpr: 'FPR', f1: 'F1' };

/** How a metric name reads in a sentence: `auc` → `AUC`; others as written in the policy. */
export function metricLabel(name: string): string {
  return displayNames[name] ?? name;
}

/** `['a','b','c']` → `a, b and c`. */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function amount(value: number, relative: boolean): string {
  return relative ? `${Number((value * 100).toPrecision(12))}%` : String(value);
}

/** The paired test as a reader knows it (DESIGN §2: DeLong for AUC, bootstrap, two-proportion z). */
function testName(spec: BaselineGateSpec): string {
  const bootstrap = `bootstrap (${spec.resamples} resamples, seed ${spec.seed})`;
  switch (spec.test) {
    case 'delong':
      return 'DeLong';
    case 'bootstrap':
      return bootstrap;
    case 'two-proportion':
      return 'two-proportion z';
    case 'auto':
      return spec.metric === 'auc' ? 'DeLong' : `${bootstrap} or, for a rate, two-proportion z`;
  }
}

function describeBaseline(spec: BaselineGateSpec): string {
  const higher = (spec.direction ?? metricDirection(spec.metric)) !== 'lower';
  const label = metricLabel(spec.metric);
  const confidence = `${Number((spec.confidence * 100).toPrecision(12))}%`;
  const bound = higher ? 'lower' : 'upper';
  const judged = `judged on the ${bound} bound of the ${confidence} ${testName(spec)} CI of the difference`;
  const of = spec.relative ? ' of the baseline value' : '';
  if (spec.minImprovement !== undefined) {
    const way = higher ? 'rise' : 'fall';
    return `${label} must ${way} at least ${amount(spec.minImprovement, spec.relative)}${of} ${higher ? 'above' : 'below'} the production baseline, ${judged}.`;
  }
  const way = higher ? 'fall' : 'rise';
  const side = higher ? 'below' : 'above';
  return `${label} may not ${way} more than ${amount(spec.maxDegradation ?? 0, spec.relative)}${of} ${side} the production baseline, ${judged}.`;
}

function bounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `must be between ${min} and ${max}`;
  return min !== undefined ? `must be at least ${min}` : `must be at most ${max}`;
}

function describeFairness(spec: FairnessGateSpec): string {
  const metric = spec.metric.replaceAll('_', ' ');
  const reference =
    spec.privileged !== undefined
      ? `'${spec.privileged}' as the reference group`
      : 'the worst pair of groups';
  return `The ${metric} across groups of '${spec.attribute}' (${reference}) ${bounds(spec.min, spec.max)}; a group with fewer than ${spec.minGroupSize} rows or an undefined rate makes the gate error.`;
}

function describeSecurity(spec: SecurityGateSpec): string {
  const parts = [spec.sbom === 'required' ? 'an SBOM is required' : 'an SBOM is optional'];
  if (spec.licenses?.allow)
    parts.push(`only the licences ${joinWords(spec.licenses.allow)} are allowed`);
  if (spec.licenses?.deny) parts.push(`the licences ${joinWords(spec.licenses.deny)} are denied`);
  parts.push(
    spec.secrets === 'deny'
      ? 'no secrets may appear in artifacts or metadata'
      : 'secrets are not scanned for',
  );
  if (spec.pii) {
    const allowed = spec.pii.allowed?.length
      ? ` unless listed as allowed (${joinWords(spec.pii.allowed)})`
      : '';
    parts.push(`the PII fields ${joinWords(spec.pii.fields)} may not be used${allowed}`);
  }
  const limits = Object.entries(spec.vulnerabilities ?? {}).map(
    ([key, value]) => `${value} ${key.replace(/^max/, '').toLowerCase()}`,
  );
  if (limits.length > 0) parts.push(`at most ${joinWords(limits)} vulnerabilities`);
  const text = joinWords(parts);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** One sentence saying what a gate checks, for people: explanations, `policy explain`, the UI. */
export function describeGate(spec: GateSpec): string {
  switch (spec.type) {
    case 'metric':
      return `${metricLabel(spec.metric)} ${bounds(spec.min, spec.max)}.`;
    case 'baseline':
      return describeBaseline(spec);
    case 'fairness':
      return describeFairness(spec);
    case 'robustness': {
      const amount = spec.relative
        ? `${Number((spec.maxDegradation * 100).toPrecision(12))}% of its clean value`
        : String(spec.maxDegradation);
      const sets = spec.sets ? `the stress sets ${joinWords(spec.sets)}` : 'every stress set';
      return `${metricLabel(spec.metric)} recomputed on ${sets} may not be worse than on the clean predictions by more than ${amount}.`;
    }
    case 'reproducibility':
      return `The lineage must record ${joinWords(spec.require)}.`;
    case 'security':
      return describeSecurity(spec);
    case 'documents': {
      const documents = spec.require.map((doc) =>
        doc.sections.length > 0
          ? `${doc.name} (with sections ${joinWords(doc.sections)})`
          : doc.name,
      );
      return `The documents ${joinWords(documents)} must be present and non-empty.`;
    }
    case 'expression':
      return `The expression \`${spec.expr}\` must be true.`;
  }
}
