/**
 * Regular expressions that run in time linear in their input, whatever the pattern: RE2
 * semantics through re2js (an automaton, never backtracking). Every pattern that comes from a
 * policy or runs over evidence goes through here, so `^(a+)+$` against a long ticket costs the
 * same as `^RISK-[0-9]+$`. RE2 has no lookaround and no backreferences — the two features that
 * need backtracking — so a pattern using them is refused when the policy is validated.
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';

export type LinearRegex = RE2JS;

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
