import { describe, expect, it } from 'vitest';
import type { Sbom, SecurityGateSpec } from '../domain/index.js';
import { bundle, classification } from './fixtures.test-support.js';
import { type SubCheck, securityGate } from './security-gate.js';
import { judgeLicense } from './spdx-licenses.js';

const sbom = (licenses: string[][], vulnerabilities: Sbom['vulnerabilities'] = []): Sbom => ({
  format: 'cyclonedx',
  specVersion: '1.6',
  components: licenses.map((l, i) => ({ name: `pkg${i}`, version: '1.0.0', licenses: l })),
  vulnerabilities,
});
const spec = (over: Partial<SecurityGateSpec> = {}): SecurityGateSpec => ({
  id: 'sec',
  type: 'security',
  sbom: 'required',
  secrets: 'deny',
  ...over,
});
const checks = (details: Record<string, unknown>) =>
  Object.fromEntries((details.checks as SubCheck[]).map((c) => [c.check, c.outcome]));

describe('judgeLicense', () => {
  const deny = { deny: ['GPL-3.0', 'AGPL-3.0'] };
  it('takes the best option of OR and requires every part of AND', () => {
    expect(judgeLicense('MIT OR GPL-3.0-only', deny)).toBe('allowed');
    expect(judgeLicense('MIT AND GPL-3.0-or-later', deny)).toBe('denied');
    expect(judgeLicense('(Apache-2.0 OR AGPL-3.0-only) AND BSD-3-Clause', deny)).toBe('allowed');
    expect(judgeLicense('GPL-3.0+', deny)).toBe('denied');
  });
  it('treats anything off the allow-list, NOASSERTION included, as not allowed', () => {
    const allow = { allow: ['MIT', 'Apache-2.0'] };
    expect(judgeLicense('MIT', allow)).toBe('allowed');
    expect(judgeLicense('NOASSERTION', allow)).toBe('unknown');
    expect(judgeLicense('BSD-3-Clause OR MIT', allow)).toBe('allowed');
    expect(judgeLicense('MIT AND (', allow)).toBe('allowed');
  });
});

describe('securityGate', () => {
  it('passes a clean bundle and lists every sub-check', () => {
    const candidate = bundle({
      sbom: sbom([['MIT'], ['Apache-2.0 OR GPL-3.0-only']]),
      texts: [{ path: 'config.yaml', content: 'learning_rate: 0.01' }],
      dataFields: ['age', 'income'],
    });
    const result = securityGate(
      spec({
        licenses: { deny: ['GPL-3.0'] },
        pii: { fields: ['ssn'] },
        vulnerabilities: { maxCritical: 0 },
      }),
      { candidate },
    );
    expect(result.outcome).toBe('pass');
    expect(checks(result.details)).toEqual({
      sbom: 'pass',
      licenses: 'pass',
      vulnerabilities: 'pass',
      secrets: 'pass',
      pii: 'pass',
    });
  });

  it('fails when the required SBOM is absent, and skips it when optional', () => {
    expect(securityGate(spec(), { candidate: bundle() }).outcome).toBe('fail');
    const optional = securityGate(spec({ sbom: 'optional' }), { candidate: bundle() });
    expect(optional.outcome).toBe('pass');
    expect(checks(optional.details).sbom).toBe('skipped');
  });

  it('fails on a denied licence, naming the component', () => {
    const candidate = bundle({ sbom: sbom([['MIT'], ['MIT AND AGPL-3.0-only']]) });
    const result = securityGate(spec({ licenses: { deny: ['AGPL-3.0'] } }), { candidate });
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toContain('pkg1@1.0.0 (MIT AND AGPL-3.0-only)');
  });

  it('fails on an unknown licence under an allow-list', () => {
    const candidate = bundle({ sbom: sbom([['MIT'], []]) });
    const result = securityGate(spec({ licenses: { allow: ['MIT'] } }), { candidate });
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toContain('pkg1@1.0.0 (no licence)');
  });

  it('fails when vulnerability counts exceed the limits', () => {
    const candidate = bundle({
      sbom: sbom(
        [['MIT']],
        [
          { id: 'CVE-1', severity: 'critical' },
          { id: 'CVE-2', severity: 'high' },
        ],
      ),
    });
    const result = securityGate(spec({ vulnerabilities: { maxCritical: 0, maxHigh: 1 } }), {
      candidate,
    });
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toContain('1 critical (max 0)');
  });

  it('fails on a secret in a text or in the lineage, without revealing it', () => {
    const candidate = bundle({
      sbom: sbom([]),
      texts: [{ path: 'train.env', content: 'AWS_KEY=AKIAIOSFODNN7EXAMPLE' }],
      lineage: {
        codeCommit: '3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b',
        trainedBy: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      },
    });
    const result = securityGate(spec(), { candidate });
    expect(result.outcome).toBe('fail');
    const findings = (result.details.checks as SubCheck[]).find(
      (c) => c.check === 'secrets',
    )?.findings;
    expect(findings).toEqual([
      { rule: 'aws_access_key_id', file: 'train.env', line: 1, preview: 'AKIA…' },
      { rule: 'github_token', file: 'lineage', line: 2, preview: 'ghp_…' },
    ]);
    expect(JSON.stringify(result)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('names the files a passing secret scan did not read', () => {
    const item = (path: string, kind: 'other' | 'document' | 'predictions') => ({
      kind,
      path,
      digest: `sha256:${'0'.repeat(64)}`,
      size: 1,
    });
    const candidate = bundle({
      sbom: sbom([]),
      items: [item('notes.md', 'document'), item('huge.txt', 'other'), item('model.bin', 'other')],
      texts: [{ path: 'notes.md', content: '# Notes' }],
    });
    const secrets = (securityGate(spec(), { candidate }).details.checks as SubCheck[]).find(
      (c) => c.check === 'secrets',
    );
    expect(secrets?.outcome).toBe('pass');
    expect(secrets?.summary).toBe(
      'no secrets found in 1 texts; not scanned (not a text type, or over 1 MiB): huge.txt, model.bin',
    );
  });

  it('fails on undeclared PII fields, including group columns, unless allowed', () => {
    const candidate = bundle({
      sbom: sbom([]),
      dataFields: ['age', 'SSN', 'email'],
      predictions: classification([1, 0], [0.6, 0.4], { groups: { sex: ['f', 'm'] } }),
    });
    const result = securityGate(
      spec({ pii: { fields: ['ssn', 'sex', 'email'], allowed: ['email'] } }),
      { candidate },
    );
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toContain('PII fields present: SSN and sex');
  });

  it('errors when PII cannot be checked or the SBOM cannot be read', () => {
    const noFields = securityGate(spec({ pii: { fields: ['ssn'] } }), {
      candidate: bundle({ sbom: sbom([]) }),
    });
    expect(noFields.outcome).toBe('error');
    const unreadable = bundle({
      problems: [{ kind: 'sbom', message: 'unknown SBOM format', location: { file: 'sbom.json' } }],
    });
    const result = securityGate(spec(), { candidate: unreadable });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain('sbom.json: unknown SBOM format');
  });
});
