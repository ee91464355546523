/** CycloneDX JSON (1.4–1.6) → Sbom. Nested components are flattened; unknown fields pass. */
import { z } from 'zod';
import type { Sbom, SbomComponent, VulnerabilitySeverity } from '../domain/index.js';
import { sbomSchemaError } from './sbom-issues.js';

const licenseChoice = z.looseObject({
  license: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
  expression: z.string().optional(),
});

interface CdxComponent {
  name: string;
  version?: string | undefined;
  purl?: string | undefined;
  'bom-ref'?: string | undefined;
  licenses?: z.infer<typeof licenseChoice>[] | undefined;
  components?: CdxComponent[] | undefined;
}

const component: z.ZodType<CdxComponent> = z.looseObject({
  name: z.string(),
  version: z.string().optional(),
  purl: z.string().optional(),
  'bom-ref': z.string().optional(),
  licenses: z.array(licenseChoice).optional(),
  get components() {
    return z.array(component).optional();
  },
});

const cycloneDx = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  components: z.array(component).optional(),
  vulnerabilities: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        'bom-ref': z.string().optional(),
        ratings: z.array(z.looseObject({ severity: z.string().optional() })).optional(),
        affects: z.array(z.looseObject({ ref: z.string() })).optional(),
      }),
    )
    .optional(),
});

const severityOrder: VulnerabilitySeverity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'info',
  'unknown',
];

export function parseCycloneDx(doc: unknown, file: string): Sbom {
  const parsed = cycloneDx.safeParse(doc);
  if (!parsed.success) throw sbomSchemaError(file, 'CycloneDX', parsed.error);
  const bom = parsed.data;
  const components: SbomComponent[] = [];
  const nameByRef = new Map<string, string>();
  const visit = (list: CdxComponent[]): void => {
    for (const c of list) {
      const licenses = (c.licenses ?? []).flatMap((l) => {
        const text = l.expression ?? l.license?.id ?? l.license?.name;
        return text === undefined ? [] : [text];
      });
      components.push({
        name: c.name,
        ...(c.version !== undefined ? { version: c.version } : {}),
        ...(c.purl !== undefined ? { purl: c.purl } : {}),
        licenses,
      });
      if (c['bom-ref'] !== undefined) nameByRef.set(c['bom-ref'], c.name);
      visit(c.components ?? []);
    }
  };
  visit(bom.components ?? []);
  const vulnerabilities: Sbom['vulnerabilities'] = [];
  for (const v of bom.vulnerabilities ?? []) {
    // Several ratings (NVD, vendor…) may disagree; the gate counts the worst one.
    const severity = worstSeverity((v.ratings ?? []).map((r) => r.severity));
    const id = v.id ?? v['bom-ref'] ?? 'unidentified';
    const affects = v.affects ?? [];
    if (affects.length === 0) vulnerabilities.push({ id, severity });
    for (const a of affects) {
      vulnerabilities.push({ id, severity, component: nameByRef.get(a.ref) ?? a.ref });
    }
  }
  return { format: 'cyclonedx', specVersion: bom.specVersion, components, vulnerabilities };
}

export function worstSeverity(values: readonly (string | undefined)[]): VulnerabilitySeverity {
  let worst = severityOrder.length - 1;
  for (const value of values) {
    const normal = normaliseSeverity(value);
    worst = Math.min(worst, severityOrder.indexOf(normal));
  }
  return severityOrder[worst]!;
}

export function normaliseSeverity(value: string | undefined): VulnerabilitySeverity {
  const v = (value ?? '').toLowerCase();
  if (v === 'moderate') return 'medium';
  if (v === 'informational' || v === 'none') return 'info';
  return (severityOrder as string[]).includes(v) ? (v as VulnerabilitySeverity) : 'unknown';
}
