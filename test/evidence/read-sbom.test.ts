import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSbom } from '../../src/evidence/index.js';
import { refusal, writeTemp } from './helpers.js';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('readSbom', () => {
  it('reads CycloneDX 1.5: licences by id, expression and name, nested components, worst rating', async () => {
    const sbom = await readSbom(join(fixtures, 'sbom.cdx.json'));
    expect(sbom.format).toBe('cyclonedx');
    expect(sbom.specVersion).toBe('1.5');
    expect(sbom.components).toEqual([
      {
        name: 'numpy',
        version: '1.26.4',
        purl: 'pkg:pypi/numpy@1.26.4',
        licenses: ['BSD-3-Clause'],
      },
      { name: 'scikit-learn', version: '1.4.2', licenses: ['BSD-3-Clause OR MIT'] },
      { name: 'vendored-lib', licenses: ['Custom licence'] },
      { name: 'no-licence-lib', licenses: [] },
    ]);
    expect(sbom.vulnerabilities).toEqual([
      { id: 'CVE-2024-0001', severity: 'high', component: 'numpy' },
      { id: 'GHSA-xxxx-yyyy', severity: 'medium' },
    ]);
  });

  it('reads SPDX 2.3: concluded licence first, declared as fallback, NOASSERTION as none', async () => {
    const sbom = await readSbom(join(fixtures, 'sbom.spdx.json'));
    expect(sbom).toMatchObject({ format: 'spdx', specVersion: '2.3', vulnerabilities: [] });
    expect(sbom.components).toEqual([
      {
        name: 'numpy',
        version: '1.26.4',
        purl: 'pkg:pypi/numpy@1.26.4',
        licenses: ['BSD-3-Clause'],
      },
      { name: 'some-gpl-lib', version: '2.0', licenses: ['GPL-3.0-only'] },
      { name: 'mystery', licenses: [] },
    ]);
  });

  it('reads SPDX 3 JSON-LD packages, licences and vulnerability severities', async () => {
    const sbom = await readSbom(join(fixtures, 'sbom.spdx3.json'));
    expect(sbom.specVersion).toBe('3.0.1');
    expect(sbom.components).toEqual([
      { name: 'torch', version: '2.3.0', purl: 'pkg:pypi/torch@2.3.0', licenses: ['BSD-3-Clause'] },
    ]);
    expect(sbom.vulnerabilities).toEqual([
      { id: 'CVE-2025-1234', severity: 'critical', component: 'torch' },
    ]);
  });

  it('refuses invalid JSON with line and column', async () => {
    const file = await writeTemp(
      'bad.cdx.json',
      '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.5",,\n}',
    );
    const error = await refusal(readSbom(file));
    expect(error.message).toContain(`${file}:3:24`);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('refuses an unknown format and a CycloneDX file with a malformed component', async () => {
    const unknown = await writeTemp('x.json', '{"packages": []}');
    expect((await refusal(readSbom(unknown))).message).toMatch(/not a recognised SBOM/);
    const bad = await writeTemp(
      'y.json',
      '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"version":"1"}]}',
    );
    expect((await refusal(readSbom(bad))).message).toMatch(/column "components\.0\.name"/);
  });
});
