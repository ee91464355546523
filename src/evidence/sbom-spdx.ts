/**
 * SPDX → Sbom. SPDX 2.3 JSON is read fully; SPDX 3 JSON-LD is read for packages, their licences
 * and vulnerability severities (the parts the security gate uses).
 */
import { z } from 'zod';
import type { Sbom, SbomComponent, VulnerabilitySeverity } from '../domain/index.js';
import { normaliseSeverity, worstSeverity } from './sbom-cyclonedx.js';
import { sbomSchemaError } from './sbom-issues.js';

const spdx2 = z.looseObject({
  spdxVersion: z.string(),
  packages: z
    .array(
      z.looseObject({
        name: z.string(),
        versionInfo: z.string().optional(),
        licenseConcluded: z.string().optional(),
        licenseDeclared: z.string().optional(),
        externalRefs: z
          .array(z.looseObject({ referenceType: z.string(), referenceLocator: z.string() }))
          .optional(),
      }),
    )
    .optional(),
});

/** NOASSERTION / NONE say "no licence information", so they are not licences. */
function isKnownLicense(value: string | undefined): value is string {
  return value !== undefined && value !== '' && value !== 'NOASSERTION' && value !== 'NONE';
}

export function parseSpdx2(doc: unknown, file: string): Sbom {
  const parsed = spdx2.safeParse(doc);
  if (!parsed.success) throw sbomSchemaError(file, 'SPDX 2', parsed.error);
  const components = (parsed.data.packages ?? []).map((p): SbomComponent => {
    // The concluded licence is the reviewer's verdict; the declared one is the fallback.
    const license = isKnownLicense(p.licenseConcluded) ? p.licenseConcluded : p.licenseDeclared;
    const purl = p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator;
    return {
      name: p.name,
      ...(p.versionInfo !== undefined ? { version: p.versionInfo } : {}),
      ...(purl !== undefined ? { purl } : {}),
      licenses: isKnownLicense(license) ? [license] : [],
    };
  });
  const specVersion = parsed.data.spdxVersion.replace(/^SPDX-/, '');
  return { format: 'spdx', specVersion, components, vulnerabilities: [] };
}

const element = z.looseObject({
  type: z.string().optional(),
  '@type': z.string().optional(),
  spdxId: z.string().optional(),
  '@id': z.string().optional(),
});
const spdx3 = z.looseObject({ '@graph': z.array(element) });

type Element = Record<string, unknown>;

function str(e: Element, key: string): string | undefined {
  const v = e[key];
  return typeof v === 'string' ? v : undefined;
}

function targets(e: Element): string[] {
  const to = e.to;
  if (typeof to === 'string') return [to];
  return Array.isArray(to) ? to.filter((t): t is string => typeof t === 'string') : [];
}

export function parseSpdx3(doc: unknown, file: string): Sbom {
  const parsed = spdx3.safeParse(doc);
  if (!parsed.success) throw sbomSchemaError(file, 'SPDX 3', parsed.error);
  const graph = parsed.data['@graph'] as Element[];
  const typeOf = (e: Element) => str(e, 'type') ?? str(e, '@type') ?? '';
  const idOf = (e: Element) => str(e, 'spdxId') ?? str(e, '@id') ?? '';
  const byId = new Map(graph.map((e) => [idOf(e), e]));
  const licenseText = (id: string): string | undefined => {
    const e = byId.get(id);
    return e ? (str(e, 'simplelicensing_licenseExpression') ?? str(e, 'name')) : id;
  };
  const concluded = new Map<string, string[]>();
  const declared = new Map<string, string[]>();
  const vulnTargets = new Map<string, string[]>();
  const severities = new Map<string, VulnerabilitySeverity[]>();
  for (const e of graph.filter((g) => /Relationship$/.test(typeOf(g)))) {
    const from = str(e, 'from') ?? '';
    const kind = str(e, 'relationshipType');
    const list = targets(e);
    if (kind === 'hasConcludedLicense')
      concluded.set(
        from,
        list.flatMap((t) => licenseText(t) ?? []),
      );
    if (kind === 'hasDeclaredLicense')
      declared.set(
        from,
        list.flatMap((t) => licenseText(t) ?? []),
      );
    if (
      kind === 'affects' &&
      byId.get(from) &&
      typeOf(byId.get(from)!) === 'security_Vulnerability'
    ) {
      vulnTargets.set(from, [...(vulnTargets.get(from) ?? []), ...list]);
    }
    const severity = str(e, 'security_severity');
    if (severity !== undefined) {
      severities.set(from, [...(severities.get(from) ?? []), normaliseSeverity(severity)]);
    }
  }
  const packages = graph.filter((e) => typeOf(e) === 'software_Package');
  const nameById = new Map(packages.map((p) => [idOf(p), str(p, 'name') ?? idOf(p)]));
  const components = packages.map((p): SbomComponent => {
    const known = (concluded.get(idOf(p)) ?? []).filter(isKnownLicense);
    const licenses =
      known.length > 0 ? known : (declared.get(idOf(p)) ?? []).filter(isKnownLicense);
    const version = str(p, 'software_packageVersion');
    const purl = str(p, 'software_packageUrl');
    return {
      name: str(p, 'name') ?? idOf(p),
      ...(version !== undefined ? { version } : {}),
      ...(purl !== undefined ? { purl } : {}),
      licenses,
    };
  });
  const vulnerabilities: Sbom['vulnerabilities'] = [];
  for (const v of graph.filter((e) => typeOf(e) === 'security_Vulnerability')) {
    const vid = idOf(v);
    const severity = worstSeverity(severities.get(vid) ?? []);
    const id = str(v, 'name') ?? vid;
    const affected = vulnTargets.get(vid) ?? [];
    if (affected.length === 0) vulnerabilities.push({ id, severity });
    for (const t of affected)
      vulnerabilities.push({ id, severity, component: nameById.get(t) ?? t });
  }
  const context = JSON.stringify(parsed.data['@context'] ?? '');
  const specVersion = /rdf\/(3[\d.]*)/.exec(context)?.[1] ?? '3';
  return { format: 'spdx', specVersion, components, vulnerabilities };
}
