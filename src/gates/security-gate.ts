/**
 * `security` gate: SBOM presence, licences, vulnerability counts, secrets and declared PII.
 * Every sub-check is listed in `details.checks` so a reader sees what passed as well as what not.
 */
import type {
  EvidenceBundle,
  ScannableText,
  SecurityGateSpec,
  VulnerabilitySeverity,
} from '../domain/index.js';
import { formatList } from './format.js';
import type { GateEvaluator } from './gate.js';
import { gateResult, missingEvidenceClause, problemsOf } from './result.js';
import { findSecrets } from './secret-scan.js';
import { judgeLicense } from './spdx-licenses.js';

export type SubCheckOutcome = 'pass' | 'fail' | 'error' | 'skipped';

export interface SubCheck {
  check: 'sbom' | 'licenses' | 'vulnerabilities' | 'secrets' | 'pii';
  outcome: SubCheckOutcome;
  summary: string;
  findings?: unknown[];
}

function checkSbom(spec: SecurityGateSpec, bundle: EvidenceBundle): SubCheck {
  if (bundle.sbom !== undefined) {
    const { format, specVersion, components } = bundle.sbom;
    return {
      check: 'sbom',
      outcome: 'pass',
      summary: `SBOM present (${format} ${specVersion}, ${components.length} components)`,
    };
  }
  if (problemsOf(bundle, ['sbom']).length > 0) {
    return {
      check: 'sbom',
      outcome: 'error',
      summary: missingEvidenceClause(bundle, 'sbom', 'SBOM'),
    };
  }
  if (spec.sbom === 'optional') {
    return { check: 'sbom', outcome: 'skipped', summary: 'no SBOM (optional)' };
  }
  return { check: 'sbom', outcome: 'fail', summary: 'the required SBOM is missing' };
}

function checkLicenses(spec: SecurityGateSpec, bundle: EvidenceBundle): SubCheck {
  const lists = spec.licenses;
  if (lists === undefined)
    return { check: 'licenses', outcome: 'skipped', summary: 'no licence rules' };
  if (bundle.sbom === undefined) {
    return {
      check: 'licenses',
      outcome: 'skipped',
      summary: 'licences not checked without an SBOM',
    };
  }
  const findings: { component: string; licenses: string[]; verdict: string }[] = [];
  for (const component of bundle.sbom.components) {
    const declared = component.licenses.length > 0 ? component.licenses : ['NOASSERTION'];
    const verdicts = declared.map((l) => judgeLicense(l, lists));
    // Several declared licences all apply, so the worst one decides.
    const verdict = verdicts.includes('denied')
      ? 'denied'
      : verdicts.includes('unknown')
        ? 'unknown'
        : 'allowed';
    if (verdict === 'denied' || (verdict === 'unknown' && lists.allow !== undefined)) {
      const name = component.version ? `${component.name}@${component.version}` : component.name;
      findings.push({ component: name, licenses: component.licenses, verdict });
    }
  }
  if (findings.length === 0) {
    return { check: 'licenses', outcome: 'pass', summary: 'all component licences acceptable' };
  }
  const names = findings.map((f) => `${f.component} (${f.licenses.join(', ') || 'no licence'})`);
  return {
    check: 'licenses',
    outcome: 'fail',
    summary: `unacceptable licences: ${formatList(names)}`,
    findings,
  };
}

const severityLimits = [
  ['critical', 'maxCritical'],
  ['high', 'maxHigh'],
  ['medium', 'maxMedium'],
  ['low', 'maxLow'],
] as const;

function checkVulnerabilities(spec: SecurityGateSpec, bundle: EvidenceBundle): SubCheck {
  const limits = spec.vulnerabilities;
  if (limits === undefined) {
    return { check: 'vulnerabilities', outcome: 'skipped', summary: 'no vulnerability limits' };
  }
  if (bundle.sbom === undefined) {
    return { check: 'vulnerabilities', outcome: 'skipped', summary: 'not checked without an SBOM' };
  }
  const counts: Record<VulnerabilitySeverity, number> = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    info: 0,
    unknown: 0,
  };
  for (const v of bundle.sbom.vulnerabilities) counts[v.severity] += 1;
  const over = severityLimits
    .filter(([severity, key]) => limits[key] !== undefined && counts[severity] > (limits[key] ?? 0))
    .map(([severity, key]) => `${counts[severity]} ${severity} (max ${limits[key]})`);
  const summary =
    over.length === 0
      ? 'vulnerability counts within limits'
      : `too many vulnerabilities: ${formatList(over)}`;
  return {
    check: 'vulnerabilities',
    outcome: over.length === 0 ? 'pass' : 'fail',
    summary,
    findings: [counts],
  };
}

/** Lineage and metric names as `key: value` lines, unless the raw file is already among the texts. */
function metadataTexts(bundle: EvidenceBundle): ScannableText[] {
  const texts: ScannableText[] = [];
  const scanned = new Set(bundle.texts.map((t) => t.path));
  const pathOf = (kind: string, fallback: string) =>
    bundle.items.find((i) => i.kind === kind)?.path ?? fallback;
  const lineagePath = pathOf('lineage', 'lineage');
  if (bundle.lineage !== undefined && !scanned.has(lineagePath)) {
    const lines = Object.entries(bundle.lineage).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    texts.push({ path: lineagePath, content: lines.join('\n') });
  }
  const metricsPath = pathOf('metrics', 'metrics');
  if (bundle.metrics !== undefined && !scanned.has(metricsPath)) {
    texts.push({ path: metricsPath, content: Object.keys(bundle.metrics).join('\n') });
  }
  return texts;
}

function checkSecrets(spec: SecurityGateSpec, bundle: EvidenceBundle): SubCheck {
  if (spec.secrets === 'allow')
    return { check: 'secrets', outcome: 'skipped', summary: 'secret scan off' };
  const texts = [...bundle.texts, ...metadataTexts(bundle)];
  const findings = findSecrets(texts);
  if (findings.length === 0) {
    return {
      check: 'secrets',
      outcome: 'pass',
      summary: `no secrets found in ${texts.length} texts${unscannedNote(bundle)}`,
    };
  }
  const where = findings.slice(0, 3).map((f) => `${f.rule} at ${f.file}:${f.line} (${f.preview})`);
  const more = findings.length > 3 ? ` and ${findings.length - 3} more` : '';
  return {
    check: 'secrets',
    outcome: 'fail',
    summary: `possible secrets: ${where.join(', ')}${more}`,
    findings,
  };
}

/**
 * Files the scan did not read — documents and other files that are not a scanned text type or
 * are over the size limit (docs/reference/evidence.md) — named, so a pass never hides them.
 */
function unscannedNote(bundle: EvidenceBundle): string {
  const scanned = new Set(bundle.texts.map((t) => t.path));
  const unscanned = bundle.items
    .filter((i) => (i.kind === 'other' || i.kind === 'document') && !scanned.has(i.path))
    .map((i) => i.path);
  if (unscanned.length === 0) return '';
  const shown = unscanned.slice(0, 5).join(', ');
  const more = unscanned.length > 5 ? ` and ${unscanned.length - 5} more` : '';
  return `; not scanned (not a text type, or over 1 MiB): ${shown}${more}`;
}

const fieldKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function checkPii(spec: SecurityGateSpec, bundle: EvidenceBundle): SubCheck {
  if (spec.pii === undefined) return { check: 'pii', outcome: 'skipped', summary: 'no PII rules' };
  if (bundle.dataFields === undefined) {
    return {
      check: 'pii',
      outcome: 'error',
      summary: 'the evaluation data declares no fields, so PII fields cannot be checked',
    };
  }
  const present = [...bundle.dataFields, ...Object.keys(bundle.predictions?.groups ?? {})];
  const sensitive = new Set(spec.pii.fields.map(fieldKey));
  const allowed = new Set((spec.pii.allowed ?? []).map(fieldKey));
  const found = [
    ...new Set(present.filter((f) => sensitive.has(fieldKey(f)) && !allowed.has(fieldKey(f)))),
  ];
  if (found.length === 0)
    return { check: 'pii', outcome: 'pass', summary: 'no undeclared PII fields' };
  return {
    check: 'pii',
    outcome: 'fail',
    summary: `PII fields present: ${formatList(found)}`,
    findings: found,
  };
}

/** `SBOM required; no secrets; licences: deny GPL-3.0; max critical 0; PII: ssn` */
function securityThreshold(spec: SecurityGateSpec): string {
  const parts = [
    `SBOM ${spec.sbom}`,
    spec.secrets === 'deny' ? 'no secrets' : 'secrets not scanned',
  ];
  const { allow, deny } = spec.licenses ?? {};
  if (allow !== undefined) parts.push(`licences: allow ${allow.join(', ')}`);
  if (deny !== undefined) parts.push(`licences: deny ${deny.join(', ')}`);
  for (const [severity, key] of severityLimits) {
    const limit = spec.vulnerabilities?.[key];
    if (limit !== undefined) parts.push(`max ${severity} ${limit}`);
  }
  if (spec.pii !== undefined) parts.push(`no undeclared PII (${spec.pii.fields.join(', ')})`);
  return parts.join('; ');
}

/**
 * Runs every configured sub-check. A definite violation (`fail`) outranks unreadable evidence
 * (`error`): both block, and the violation is what a reviewer must act on first.
 */
export const securityGate: GateEvaluator<SecurityGateSpec> = (spec, context) => {
  const bundle = context.candidate;
  const checks = [checkSbom, checkLicenses, checkVulnerabilities, checkSecrets, checkPii].map((c) =>
    c(spec, bundle),
  );
  const failed = checks.filter((c) => c.outcome === 'fail');
  const errored = checks.filter((c) => c.outcome === 'error');
  const run = checks.filter((c) => c.outcome !== 'skipped');
  const outcome = failed.length > 0 ? 'fail' : errored.length > 0 ? 'error' : 'pass';
  const passed = run.filter((c) => c.outcome === 'pass').length;
  const passedSummaries = run.map((c) => c.summary).join('; ');
  const explanation =
    outcome !== 'pass'
      ? `Security checks did not pass: ${[...failed, ...errored].map((c) => c.summary).join('; ')}.`
      : run.length === 0
        ? 'No security check applied: the SBOM is optional and absent, and no other check is configured.'
        : `All ${run.length} security checks passed: ${passedSummaries}.`;
  return gateResult(spec, {
    outcome,
    observed: `${passed} of ${run.length} checks passed`,
    threshold: securityThreshold(spec),
    explanation,
    details: { checks },
  });
};
