/**
 * Bounds on what the evidence readers parse, shared by the readers (`evidence/`), by uploads
 * (`app/registry/attach-evidence.ts`, which refuses a file that breaks one) and by version registration
 * (lineage). One definition on both sides means evidence an upload accepts is evidence every later
 * gate run can read: a few lines of YAML aliases, or JSON nested thousands of levels deep, would
 * otherwise exhaust memory or the stack in every run, for ever (evidence is immutable).
 */
import { parseDocument } from 'yaml';

export const evidenceFormatLimits = {
  /** Levels of arrays and objects in JSON or YAML evidence and in a version's lineage. */
  maxNesting: 64,
  /** Bytes of one JSON file the readers parse whole (metrics, lineage, SBOM, scan results…). */
  maxJsonBytes: 32 * 1024 * 1024,
  /** Bytes of YAML in `evidence.yaml`, or in one Markdown file's front matter. */
  maxYamlBytes: 64 * 1024,
  /** Alias expansions in one YAML document, as for policies. */
  maxYamlAliases: 100,
  /** Bytes of a version's lineage, as canonical JSON. */
  maxLineageBytes: 64 * 1024,
} as const;

/**
 * What each uploaded file costs against a user's upload quota besides its bytes: a file is a blob
 * file, an evidence row, a line of its audit entry and a read in every later gate run of its
 * version, whatever its size, so 5,000 empty files are not free. A quota must exceed it (the
 * configuration refuses one that does not: it would refuse every upload).
 */
export const uploadChargePerFile = 64 * 1024;

export type EvidenceLimit = 'nesting' | 'size' | 'aliases';

/** A limit broken, or (for YAML) a syntax error; `line`/`column` are 1-based when known. */
export interface FormatProblem {
  /** Undefined for a plain syntax error, which is the reader's to report, not a limit. */
  limit?: EvidenceLimit;
  message: string;
  fix: string;
  line?: number;
  column?: number;
}

const kib = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;

/** A problem for `bytes` over `max`, for a file or a part of one described by `what`. */
export function sizeProblem(what: string, bytes: number, max: number): FormatProblem {
  return {
    limit: 'size',
    message: `${what} is ${bytes} bytes; at most ${max} (${kib(max)}) are read.`,
    fix: 'Make it smaller, or split it into several files.',
  };
}

function nestingProblem(what: string, where: { line?: number; column?: number } = {}) {
  const max = evidenceFormatLimits.maxNesting;
  return {
    limit: 'nesting',
    message: `${what} nests arrays and objects more than ${max} levels deep; at most ${max} are read.`,
    fix: 'Flatten the structure.',
    ...where,
  } satisfies FormatProblem;
}

/**
 * The 1-based line and column of the first `[` or `{` that opens level `max + 1` in JSON text,
 * or undefined. One pass, strings skipped; it does not check the syntax (JSON.parse does).
 */
export function jsonNestingBeyond(
  text: string,
  max: number = evidenceFormatLimits.maxNesting,
): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: an escaped character never ends it.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) return { line, column: i - lineStart + 1 };
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return undefined;
}

/**
 * The JSON path (`$.a[0].b`) at which a value nests deeper than `max` levels, or undefined.
 * Iterative, so a value nested a million levels deep is judged without a stack overflow.
 */
export function valueNestingBeyond(
  value: unknown,
  max: number = evidenceFormatLimits.maxNesting,
): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '$' }];
  // A shared object (a YAML alias) is walked again only when reached deeper than before, so a
  // cycle ends at the limit and a diamond is not walked twice at one depth.
  const deepest = new Map<object, number>();
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: item, depth, path } = next;
    if (item === null || typeof item !== 'object') continue;
    if ((deepest.get(item) ?? -1) >= depth) continue;
    if (depth + 1 > max) return path;
    deepest.set(item, depth);
    if (Array.isArray(item)) {
      item.forEach((child, i) => {
        stack.push({ value: child, depth: depth + 1, path: `${path}[${i}]` });
      });
    } else {
      for (const [key, child] of Object.entries(item)) {
        stack.push({ value: child, depth: depth + 1, path: `${path}.${key}` });
      }
    }
  }
  return undefined;
}

const encoder = new TextEncoder();

/**
 * Parses evidence YAML (a manifest or front matter) within the limits: size, alias expansions
 * (`maxAliasCount`, so an alias bomb stops after a hundred expansions), nesting. Never throws.
 */
export function parseEvidenceYaml(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; problem: FormatProblem } {
  const { maxYamlBytes, maxYamlAliases } = evidenceFormatLimits;
  const bytes = encoder.encode(text).length;
  if (bytes > maxYamlBytes) return { ok: false, problem: sizeProblem(what, bytes, maxYamlBytes) };
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const where = pos ? { line: pos.line, column: pos.col } : {};
    if (error.code === 'RESOURCE_EXHAUSTION') {
      return { ok: false, problem: nestingProblem(what, where) };
    }
    return {
      ok: false,
      problem: {
        message: `${what} is not valid YAML (${error.message.split('\n')[0]}).`,
        fix: 'Fix the YAML syntax at that place (indentation and "key: value" pairs are the usual cause).',
        ...where,
      },
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: maxYamlAliases });
  } catch (cause) {
    // The yaml package throws a ReferenceError for too many aliases; a RangeError is the stack.
    if (cause instanceof RangeError) return { ok: false, problem: nestingProblem(what) };
    return {
      ok: false,
      problem: {
        limit: 'aliases',
        message: `${what} expands YAML aliases (*name) more than ${maxYamlAliases} times.`,
        fix: 'Write the values out instead of repeating them through aliases.',
      },
    };
  }
  if (valueNestingBeyond(value) !== undefined) {
    return { ok: false, problem: nestingProblem(what) };
  }
  return { ok: true, value };
}

export type FrontMatterSplit =
  | { kind: 'none'; body: string }
  | { kind: 'unclosed' }
  | { kind: 'found'; yaml: string; body: string; bodyLine: number };

/** YAML front matter between `---` lines at the top of a Markdown file (BOM ignored). */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstBreak = source.indexOf('\n');
  const first = firstBreak < 0 ? source : source.slice(0, firstBreak);
  if (first.trimEnd() !== '---') return { kind: 'none', body: source };
  const lines = source.split(/\r?\n/);
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (close < 0) return { kind: 'unclosed' };
  return {
    kind: 'found',
    yaml: lines.slice(1, close).join('\n'),
    body: lines.slice(close + 1).join('\n'),
    bodyLine: close + 2,
  };
}
