/**
 * Finds credentials in text artifacts: known token shapes first, then high-entropy strings.
 * A finding never carries the secret, only a redacted preview, because findings end up in the
 * decision record and the audit log.
 */
import type { ScannableText } from '../domain/index.js';

export interface SecretFinding {
  rule: string;
  file: string;
  /** 1-based line. */
  line: number;
  /** The first four characters and an ellipsis. */
  preview: string;
}

interface PatternRule {
  rule: string;
  pattern: RegExp;
  /** Which capture group is the secret (0 = the whole match). */
  group: number;
}

// Shapes documented by the issuers (AWS, GitHub, Slack, Google, Stripe) and gitleaks' rules.
const patterns: PatternRule[] = [
  { rule: 'aws_access_key_id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, group: 0 },
  { rule: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, group: 0 },
  { rule: 'github_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g, group: 0 },
  { rule: 'slack_token', pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/g, group: 0 },
  {
    rule: 'private_key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    group: 0,
  },
  { rule: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g, group: 0 },
  { rule: 'stripe_live_key', pattern: /\b[sr]k_live_[0-9A-Za-z]{16,}/g, group: 0 },
  {
    rule: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    group: 0,
  },
  {
    rule: 'assigned_secret',
    pattern:
      /\b[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)["']?\s*[:=]\s*["']([^"'\s]{4,})["']/gi,
    group: 1,
  },
];

/** Values that stand for a secret without being one: `${DB_PASSWORD}`, `****`, `<redacted>`. */
const placeholder =
  /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|[*x•.]+|<[^>]*>|changeme|redacted|none|null)$/i;

const base64Like = /[A-Za-z0-9+/=_-]{32,}/g;
/** Bits per character; random base64 reaches ~5–6, English words stay well below 4.5. */
const base64Threshold = 4.5;
/** Hex cannot exceed 4 bits per character, so it gets its own threshold (as truffleHog does). */
const hexThreshold = 3;
const hexMinLength = 40;
/** Digests and commit ids are expected in metadata: skip `sha256:` prefixes and commit/digest keys. */
const digestPrefix = /(?:sha(?:1|224|256|384|512)[:=-]|@)$/i;
const expectedHexKey = /(commit|digest|sha\d*|checksum|hash|etag)\w*["']?\s*[:=]\s*["']?$/i;

/** Shannon entropy of the characters of `text`, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const redact = (secret: string): string => `${secret.slice(0, 4)}…`;

function patternFindings(
  line: string,
): { rule: string; start: number; end: number; secret: string }[] {
  const found: { rule: string; start: number; end: number; secret: string }[] = [];
  for (const { rule, pattern, group } of patterns) {
    for (const match of line.matchAll(pattern)) {
      const secret = match[group] ?? match[0];
      if (group !== 0 && placeholder.test(secret)) continue;
      const start = match.index ?? 0;
      found.push({ rule, start, end: start + match[0].length, secret });
    }
  }
  return found;
}

function entropyRule(line: string, token: string, start: number): string | undefined {
  const before = line.slice(0, start);
  if (/^[0-9a-f]+$/i.test(token)) {
    if (token.length < hexMinLength || digestPrefix.test(before) || expectedHexKey.test(before)) {
      return undefined;
    }
    return shannonEntropy(token) > hexThreshold ? 'high_entropy_hex' : undefined;
  }
  // Long identifiers and paths are letters only; a random key nearly always mixes in digits.
  if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token) || digestPrefix.test(before)) {
    return undefined;
  }
  return shannonEntropy(token) > base64Threshold ? 'high_entropy_string' : undefined;
}

/** Scans one line; entropy findings skip spans a named pattern already reported. */
function scanLine(line: string): { rule: string; secret: string }[] {
  const found = patternFindings(line);
  const covered = (start: number, end: number) => found.some((f) => start < f.end && end > f.start);
  const results: { rule: string; secret: string }[] = found.map(({ rule, secret }) => ({
    rule,
    secret,
  }));
  for (const match of line.matchAll(base64Like)) {
    const start = match.index ?? 0;
    if (covered(start, start + match[0].length)) continue;
    const rule = entropyRule(line, match[0], start);
    if (rule !== undefined) results.push({ rule, secret: match[0] });
  }
  return results;
}

/**
 * Every secret-looking string in the texts, with file, line and a redacted preview: AWS access
 * key ids, GitHub/Slack/Google/Stripe tokens, PEM private-key headers, JWTs, `password = "…"`
 * style assignments, and strings with Shannon entropy above 4.5 bits/char (base64-like, ≥ 32
 * chars) or 3 bits/char (hex, ≥ 40 chars) that are not `sha256:` digests or commit/digest fields.
 */
export function findSecrets(texts: readonly ScannableText[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const text of texts) {
    const lines = text.content.split(/\r?\n/);
    lines.forEach((line, index) => {
      for (const { rule, secret } of scanLine(line)) {
        findings.push({ rule, file: text.path, line: index + 1, preview: redact(secret) });
      }
    });
  }
  return findings;
}
