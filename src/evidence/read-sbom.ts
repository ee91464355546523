/**
 * SBOM reader: CycloneDX JSON 1.4–1.6, SPDX JSON 2.3 and SPDX 3 JSON-LD, told apart by their own
 * markers (`bomFormat`, `spdxVersion`, `@context`/`@graph`), never by file name.
 */
import type { Sbom } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';
import { readJsonFile } from './read-json-file.js';
import { parseCycloneDx } from './sbom-cyclonedx.js';
import { parseSpdx2, parseSpdx3 } from './sbom-spdx.js';

export async function readSbom(path: string): Promise<Sbom> {
  const { value } = await readJsonFile(path);
  return parseSbom(value, path);
}

export function parseSbom(value: unknown, file: string): Sbom {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const doc = value as Record<string, unknown>;
    if (doc.bomFormat === 'CycloneDX') return parseCycloneDx(doc, file);
    if (typeof doc.spdxVersion === 'string' && doc.spdxVersion.startsWith('SPDX-2'))
      return parseSpdx2(doc, file);
    const context = JSON.stringify(doc['@context'] ?? '');
    if (context.includes('spdx.org/rdf/3') && Array.isArray(doc['@graph']))
      return parseSpdx3(doc, file);
  }
  throw evidenceError(
    { file },
    'is not a recognised SBOM: expected CycloneDX JSON ("bomFormat": "CycloneDX"), SPDX 2.x JSON ("spdxVersion": "SPDX-2.3") or SPDX 3 JSON-LD.',
    'Generate the SBOM with a CycloneDX or SPDX tool (syft, cdxgen, cyclonedx-py) in JSON format.',
  );
}
