import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from '../domain/errors.js';
import type { Policy } from '../domain/policy.js';
import { buildPolicyDraft } from './build-policy.js';
import { checkPolicy } from './check-policy.js';
import { policyDigest } from './policy-digest.js';
import { ProblemCollector } from './problem-collector.js';
import { locatePath } from './source-map.js';
import type { PathProblem } from './zod-problems.js';

export type PolicyParseResult =
  | { ok: true; policy: Policy; digest: string; warnings: Problem[] }
  | { ok: false; problems: Problem[] };

/** Alias expansion beyond this is refused: a few lines of YAML can otherwise expand to gigabytes. */
const maxAliasCount = 100;

/**
 * Parses a `clearance/v1` policy (YAML 1.2) into the normalised `Policy` and its digest.
 * Never throws: every problem (YAML syntax, schema, cross-reference) is returned at once, each
 * with the file, 1-based line and column of the offending node, a message and a fix. A missing
 * key is located at the mapping it belongs in; an unknown key at the key itself.
 */
export function parsePolicy(text: string, file: string): PolicyParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        message: `YAML syntax error: ${firstLine(error.message)}`,
        fix: yamlFix(error.code),
        location: position(error.pos[0]),
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          message: `The YAML could not be read: ${(error as Error).message}.`,
          fix: 'Write the values out instead of using many aliases (*name).',
          location: { file, line: 1, column: 1 },
        },
      ],
    };
  }
  const collector = new ProblemCollector(data);
  const draft = buildPolicyDraft(collector);
  const policy = draft ? checkPolicy(collector, draft) : undefined;
  const locate = (problem: PathProblem): Problem => {
    const at = locatePath(doc, lineCounter, problem.path, problem.target);
    return {
      message: problem.message,
      ...(problem.fix && { fix: problem.fix }),
      location: { file, ...(at ?? { line: 1, column: 1 }) },
    };
  };
  if (!policy || collector.errors.length > 0) {
    return { ok: false, problems: sortByPosition(collector.errors.map(locate)) };
  }
  let digest: string;
  try {
    digest = policyDigest(policy);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          message: `The policy cannot be canonicalised for its digest: ${(error as Error).message}.`,
          fix: 'Remove unpaired UTF-16 surrogate escapes (\\uD800–\\uDFFF) from strings.',
          location: { file, line: 1, column: 1 },
        },
      ],
    };
  }
  return { ok: true, policy, digest, warnings: sortByPosition(collector.warnings.map(locate)) };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function yamlFix(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Remove one of the two keys with the same name.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation and punctuation of this line against the lines around it.';
    default:
      return 'Correct the YAML at this position; quote values that contain ":", "#", "{" or "[".';
  }
}

/** Stable order by line then column, so output reads top to bottom like the file. */
function sortByPosition(problems: Problem[]): Problem[] {
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        (a.problem.location?.line ?? 0) - (b.problem.location?.line ?? 0) ||
        (a.problem.location?.column ?? 0) - (b.problem.location?.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ problem }) => problem);
}
