import { describe, expect, it } from 'vitest';
import { findSecrets, shannonEntropy } from './secret-scan.js';

const scan = (content: string) => findSecrets([{ path: 'config.yaml', content }]);
const awsKey = 'AKIAIOSFODNN7EXAMPLE';

describe('findSecrets', () => {
  it('finds an AWS access key id with file, line and a redacted preview', () => {
    const findings = scan(`region: eu-west-1\naws_access_key_id: ${awsKey}\n`);
    expect(findings).toEqual([
      { rule: 'aws_access_key_id', file: 'config.yaml', line: 2, preview: 'AKIA…' },
    ]);
    expect(JSON.stringify(findings)).not.toContain(awsKey);
  });

  it('finds a PEM private key header', () => {
    const findings = scan(
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----',
    );
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['private_key', 1]]);
    expect(scan('-----BEGIN OPENSSH PRIVATE KEY-----')[0]?.rule).toBe('private_key');
  });

  it('does not flag sha256 digests or commit fields', () => {
    const digest = `sha256:${'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'}`;
    expect(scan(`artifact: ${digest}`)).toEqual([]);
    expect(scan('"codeCommit": "3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b"')).toEqual([]);
    expect(
      scan('configDigest: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'),
    ).toEqual([]);
  });

  it('finds tokens of GitHub, Slack, Google, Stripe and JWT shape', () => {
    const text = [
      `token ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`,
      'hook xoxb-123456789012-abcdefghij',
      `key AIza${'Sy0123456789abcdefghijABCDEFGHIJK'}12`,
      `stripe sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
      'auth eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ].join('\n');
    expect(scan(text).map((f) => f.rule)).toEqual([
      'github_token',
      'slack_token',
      'google_api_key',
      'stripe_live_key',
      'jwt',
    ]);
  });

  it('finds password assignments but not placeholders', () => {
    expect(scan('db_password = "hunter2hunter2"').map((f) => [f.rule, f.preview])).toEqual([
      ['assigned_secret', 'hunt…'],
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the input under test
    expect(scan('"api_key": "${API_KEY}"')).toEqual([]);
    expect(scan('password: "****"')).toEqual([]);
  });

  it('finds a case-insensitive keyword spelled with the long s or the Kelvin sign, as RE2 folds them', () => {
    // The keyword pre-check must not skip what the case-insensitive pattern matches.
    expect(scan('PAſſWORD = "hunter22x"').map((f) => f.rule)).toEqual(['assigned_secret']);
    expect(scan('api\u212Aey: "qwertyuiop"').map((f) => f.rule)).toEqual(['assigned_secret']);
    expect(scan('Token="abcd1234zz"').map((f) => f.rule)).toEqual(['assigned_secret']);
  });
  it('flags high-entropy strings but not long words', () => {
    expect(scan('blob: Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BRUlNU')[0]?.rule).toBe(
      'high_entropy_string',
    );
    expect(scan('note: this_is_a_rather_long_identifier_name_without_digits')).toEqual([]);
    expect(scan('hex 3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b9c')[0]?.rule).toBe(
      'high_entropy_hex',
    );
  });
});

describe('shannonEntropy', () => {
  it('is log2 of the alphabet size for uniform text', () => {
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('aaaa')).toBe(0);
  });
});

/**
 * Lines that took seconds to minutes under the backtracking patterns (issue 7, finding 1). At
 * these sizes the old scan does not finish within the timeout; speed is measured in bench/.
 */
describe('findSecrets on pathological lines', () => {
  const pathological = { timeout: 15_000 };

  it(
    'scans one 400,000-character a-a-a… line and still finds the secret after it',
    pathological,
    () => {
      const findings = scan(`${'a-'.repeat(200_000)} password = "hunter2hunter2"`);
      expect(findings).toEqual([
        { rule: 'assigned_secret', file: 'config.yaml', line: 1, preview: 'hunt…' },
      ]);
    },
  );

  it('recognises a commit key repeated 100,000 times before a hex value', pathological, () => {
    const hex = '3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b9c';
    expect(scan(`${'commit'.repeat(100_000)}: ${hex}`)).toEqual([]);
    expect(scan(`${'note'.repeat(100_000)}: ${hex}`).map((f) => f.rule)).toEqual([
      'high_entropy_hex',
    ]);
  });
});
