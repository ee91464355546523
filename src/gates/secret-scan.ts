/**
 * Finds credentials in text artifacts: known token shapes first, then high-entropy strings.
 * A finding never carries the secret, only a redacted preview, because findings end up in the
 * decision record and the audit log.
 */
import {
  compileLinearRegex,
  type LinearRegex,
  matchAllLinear,
  type ScannableText,
} from '../domain/index.js';

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
  pattern: () => LinearRegex;
  /**
   * Lower-case literals of which every match contains one (gitleaks' `keywords`): a line without
   * any is not run through the pattern, so clean evidence never compiles it.
   */
  keywords: readonly string[];
  /** Which capture group is the secret (0 = the whole match). */
  group: number;
}

/**
 * RE2 syntax, compiled on first use: compiling the nine patterns (Unicode tables for `\p{Z}` and
 * case folding included) was ~5% of a `clearance check`, most of it for patterns whose keywords
 * never occur. The patterns are fixed, so failing to compile is a bug.
 */
function re2(pattern: string, caseInsensitive = false): () => LinearRegex {
  let regex: LinearRegex | undefined;
  return () => {
    if (regex !== undefined) return regex;
    const compiled = compileLinearRegex(pattern, { caseInsensitive });
    if (!compiled.ok) throw new Error(`Secret pattern ${pattern} ${compiled.reason}.`);
    regex = compiled.regex;
    return regex;
  };
}

/** JavaScript's `\s`, which RE2's `\s` (ASCII only) is narrower than. */
const space = String.raw`\t\n\v\f\r\x{feff}\p{Z}`;

// Shapes documented by the issuers (AWS, GitHub, Slack, Google, Stripe) and gitleaks' rules.
// They run on RE2 (linear time): `[A-Za-z0-9_.-]*password…` alone took seconds on one long
// `a-a-a…` line under backtracking.
const patterns: PatternRule[] = [
  {
    rule: 'aws_access_key_id',
    pattern: re2(String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`),
    keywords: ['akia', 'asia'],
    group: 0,
  },
  {
    rule: 'github_token',
    pattern: re2(String.raw`\bgh[pousr]_[A-Za-z0-9]{36,}\b`),
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    group: 0,
  },
  {
    rule: 'github_token',
    pattern: re2(String.raw`\bgithub_pat_[A-Za-z0-9_]{22,}\b`),
    keywords: ['github_pat_'],
    group: 0,
  },
  {
    rule: 'slack_token',
    pattern: re2(String.raw`\bxox[baprs]-[A-Za-z0-9-]{10,}`),
    keywords: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'],
    group: 0,
  },
  {
    rule: 'private_key',
    pattern: re2('-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----'),
    keywords: ['private key'],
    group: 0,
  },
  {
    rule: 'google_api_key',
    pattern: re2(String.raw`\bAIza[0-9A-Za-z_-]{35}`),
    keywords: ['aiza'],
    group: 0,
  },
  {
    rule: 'stripe_live_key',
    pattern: re2(String.raw`\b[sr]k_live_[0-9A-Za-z]{16,}`),
    keywords: ['k_live_'],
    group: 0,
  },
  {
    rule: 'jwt',
    pattern: re2(String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`),
    keywords: ['eyj'],
    group: 0,
  },
  {
    rule: 'assigned_secret',
    pattern: re2(
      String.raw`\b[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)["']?[${space}]*[:=][${space}]*["']([^"'${space}]{4,})["']`,
      true,
    ),
    keywords: ['password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'api-key'],
    group: 1,
  },
];

/** Values that stand for a secret without being one: `${DB_PASSWORD}`, `****`, `<redacted>`. */
const placeholder = re2(
  String.raw`^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|[*x\x{2022}.]+|<[^>]*>|changeme|redacted|none|null)$`,
  true,
);

// The entropy step's patterns are single character classes or literals, which backtracking
// engines also run in linear time (a run is read once; no nesting, nothing after it to retry),
// so they stay on V8's faster engine.
const base64Like = /[A-Za-z0-9+/=_-]{32,}/g;
/** Bits per character; random base64 reaches ~5–6, English words stay well below 4.5. */
const base64Threshold = 4.5;
/** Hex cannot exceed 4 bits per character, so it gets its own threshold (as truffleHog does). */
const hexThreshold = 3;
const hexMinLength = 40;
/** Digests and commit ids are expected in metadata: skip `sha256:` prefixes and commit/digest keys. */
const digestPrefix = re2('(?:sha(?:1|224|256|384|512)[:=-]|@)$', true);
const hexKeyWord = /commit|digest|sha|checksum|hash|etag/i;
const digestPrefixWindow = 7; // "sha512:" is the longest prefix

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

interface Found {
  rule: string;
  start: number;
  end: number;
  secret: string;
}

/**
 * The line as keywords are compared with it. Case-insensitive RE2 folds ASCII letters with their
 * Unicode case orbit, in which only `ſ` (long s) and `K` (Kelvin sign) lie outside ASCII; lower-casing
 * turns the Kelvin sign into `k` and this turns `ſ` into `s`, so a keyword test never skips a line
 * the pattern would match.
 */
const keywordText = (line: string): string => line.toLowerCase().replaceAll('ſ', 's');

function patternFindings(line: string): Found[] {
  const found: Found[] = [];
  const lower = keywordText(line);
  for (const { rule, pattern, keywords, group } of patterns) {
    if (!keywords.some((keyword) => lower.includes(keyword))) continue;
    for (const match of matchAllLinear(pattern(), line)) {
      const secret = match.groups[group] ?? match.groups[0] ?? '';
      if (group !== 0 && placeholder().test(secret)) continue;
      found.push({ rule, start: match.start, end: match.end, secret });
    }
  }
  return found;
}

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
const isWord = (ch: string | undefined): boolean => ch !== undefined && /\w/.test(ch);
const isQuote = (ch: string | undefined): boolean => ch === '"' || ch === "'";

/**
 * Whether the token at `start` is the value of a commit/digest/sha/checksum/hash/etag key
 * (`"codeCommit": "3f2a…"`), i.e. the text before it ends with
 * `(commit|digest|sha\d*|checksum|hash|etag)\w*["']?\s*[:=]\s*["']?`. Scanned backwards instead
 * of matched with that regex, which was quadratic on `commitcommit…` and re-read the whole line
 * before every token; the scan reads only the key and separator just before this token.
 */
function followsHexKey(line: string, start: number): boolean {
  let at = start;
  if (isQuote(line[at - 1])) at--;
  while (isSpace(line[at - 1])) at--;
  if (line[at - 1] !== ':' && line[at - 1] !== '=') return false;
  at--;
  while (isSpace(line[at - 1])) at--;
  if (isQuote(line[at - 1])) at--;
  const keyEnd = at;
  while (isWord(line[at - 1])) at--;
  // The key words are all word characters, so one of them lies inside this run of them.
  return hexKeyWord.test(line.slice(at, keyEnd));
}

function entropyRule(line: string, token: string, start: number): string | undefined {
  const before = line.slice(Math.max(0, start - digestPrefixWindow), start);
  if (/^[0-9a-f]+$/i.test(token)) {
    if (token.length < hexMinLength || digestPrefix().test(before) || followsHexKey(line, start)) {
      return undefined;
    }
    return shannonEntropy(token) > hexThreshold ? 'high_entropy_hex' : undefined;
  }
  // Long identifiers and paths are letters only; a random key nearly always mixes in digits.
  if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token) || digestPrefix().test(before)) {
    return undefined;
  }
  return shannonEntropy(token) > base64Threshold ? 'high_entropy_string' : undefined;
}

/**
 * Scans one line; entropy findings skip spans a named pattern already reported. Both lists run
 * left to right, so one sweep over the named findings (sorted by start) decides coverage.
 */
function scanLine(line: string): { rule: string; secret: string }[] {
  const found = patternFindings(line);
  const results = found.map(({ rule, secret }) => ({ rule, secret }));
  const spans = [...found].sort((a, b) => a.start - b.start);
  let next = 0;
  let reach = -1; // the furthest end of the named findings that start before the token ends
  for (const match of line.matchAll(base64Like)) {
    const token = match[0];
    const start = match.index;
    while (next < spans.length && spans[next]!.start < start + token.length) {
      reach = Math.max(reach, spans[next]!.end);
      next++;
    }
    if (reach > start) continue;
    const rule = entropyRule(line, token, start);
    if (rule !== undefined) results.push({ rule, secret: token });
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
