/**
 * Regular expressions that run in time linear in their input, whatever the pattern: RE2
 * semantics through re2js (an automaton, never backtracking). Every pattern that comes from a
 * policy or runs over evidence goes through here, so `^(a+)+$` against a long ticket costs the
 * same as `^RISK-[0-9]+$`. RE2 has no lookaround and no backreferences — the two features that
 * need backtracking — so a pattern using them is refused when the policy is validated.
 */
import { createRequire } from 'node:module';
import type { RE2JS, RE2JSSyntaxException } from 're2js';

export type LinearRegex = RE2JS;

type Re2js = typeof import('re2js');
let re2jsModule: Re2js | undefined;

/**
 * re2js (270 kB) is loaded on the first compile, not with this module: a `clearance check` whose
 * policy holds only plain patterns (`simpleLinearPattern`) and whose evidence holds no secret
 * keyword never compiles one, and parsing the library was ~3% of the command. Its CommonJS build
 * is required synchronously, so every caller stays synchronous.
 */
function re2js(): Re2js {
  re2jsModule ??= createRequire(import.meta.url)('re2js') as Re2js;
  return re2jsModule;
}

export type CompiledPattern =
  | { ok: true; regex: LinearRegex }
  | { ok: false; reason: string; fix: string };

const fixFor = (example: string): string =>
  `Rewrite it in RE2 syntax (no lookaround, no backreferences, \\x{…} for code points), for example "${example}".`;

/** Why RE2 refused `pattern`, in a user's words. */
function refusalReason(error: RE2JSSyntaxException): string {
  const at = error.input ?? '';
  if (/\(\?<?[=!]/.test(at)) return 'uses lookahead or lookbehind, which RE2 syntax does not have';
  if (/^\\(?:[1-9]|k)/.test(at)) return 'uses a backreference, which RE2 syntax does not have';
  return `is not valid RE2 syntax (${error.error}: ${at})`;
}

/**
 * Compiles `pattern` in RE2 syntax. Refusals are values: `reason` completes a sentence about the
 * pattern ("… uses a backreference, which RE2 syntax does not have") and `fix` says what to do.
 */
export function compileLinearRegex(
  pattern: string,
  options: { caseInsensitive?: boolean; example?: string } = {},
): CompiledPattern {
  const { RE2JS, RE2JSSyntaxException } = re2js();
  try {
    const flags = options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0;
    return { ok: true, regex: RE2JS.compile(pattern, flags) };
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error;
    return {
      ok: false,
      reason: refusalReason(error),
      fix: fixFor(options.example ?? '^RISK-[0-9]+$'),
    };
  }
}

/**
 * Whether `pattern` lies in a small subset of RE2 syntax that is valid by construction: an
 * optional `^`, then literals (ASCII letters, digits, `_`, `-`, `:`, `/`, `.`, `\d`, `\w`) or
 * classes of such letters and ascending ranges (`[A-Z0-9_]`), each optionally followed by one of
 * `+ * ?` and an optional lazy `?`, then an optional `$`. Such a pattern always compiles, so
 * validating it needs no compile (`^RISK-[0-9]+$`); anything else is compiled. `false` means
 * "not known", never "invalid".
 */
export function simpleLinearPattern(pattern: string): boolean {
  return simplePattern.test(pattern) && classesAscend(pattern);
}

const literal = String.raw`[A-Za-z0-9_:/.-]|\\[dw]`;
const classChar = '[A-Za-z0-9_]';
const classItem = `${classChar}(?:-${classChar})?`;
const simplePattern = new RegExp(
  `^\\^?(?:(?:${literal}|\\[(?:${classItem})+\\])(?:[+*?]\\??)?)*\\$?$`,
);

function classesAscend(pattern: string): boolean {
  for (const [, lo, hi] of pattern.matchAll(/([A-Za-z0-9_])-([A-Za-z0-9_])/g)) {
    if (lo === undefined || hi === undefined || lo > hi) return false;
  }
  return true;
}

/**
 * Validates `pattern` like `compileLinearRegex` (the same refusal for the same pattern) without
 * compiling, and so without loading re2js, when it is a `simpleLinearPattern`.
 */
export function validateLinearRegex(
  pattern: string,
  options: { example?: string } = {},
): { ok: true } | { ok: false; reason: string; fix: string } {
  if (simpleLinearPattern(pattern)) return { ok: true };
  const compiled = compileLinearRegex(pattern, options);
  return compiled.ok ? { ok: true } : compiled;
}

const cache = new Map<string, CompiledPattern>();

/** `compileLinearRegex` remembered per pattern, for patterns used on every request (tickets). */
export function cachedLinearRegex(pattern: string): CompiledPattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compileLinearRegex(pattern);
    if (cache.size >= 256) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** One match: UTF-16 offsets like `RegExp`'s, and the text of each capture group. */
export interface LinearMatch {
  start: number;
  end: number;
  groups: readonly (string | null)[];
}

/** Every non-overlapping match of `regex` in `text`, left to right (`String.matchAll`). */
export function* matchAllLinear(regex: LinearRegex, text: string): Generator<LinearMatch> {
  // test() runs the DFA alone; most lines have no match and never pay for the matcher.
  if (!regex.test(text)) return;
  const matcher = regex.matcher(text);
  const count = matcher.groupCount();
  while (matcher.find()) {
    const groups: (string | null)[] = [];
    for (let g = 0; g <= count; g++) groups.push(matcher.group(g));
    yield { start: matcher.start(), end: matcher.end(), groups };
  }
}
