/** YAML front matter between `---` lines at the top of a Markdown file. */
import { parseEvidenceYaml, splitFrontMatter } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';

export interface FrontMatter {
  data: Record<string, unknown>;
  /** The Markdown after the closing fence. */
  body: string;
  /** Lines the front matter took, so body line numbers can be reported against the file. */
  bodyLine: number;
}

/** Parsed within the evidence YAML limits (size, aliases, nesting): a breach is `invalid_evidence`. */
export function parseFrontMatter(text: string, path: string): FrontMatter {
  const split = splitFrontMatter(text);
  if (split.kind === 'none') return { data: {}, body: split.body, bodyLine: 1 };
  if (split.kind === 'unclosed') {
    throw evidenceError(
      { file: path, line: 1, column: 1 },
      'front matter opened with --- is never closed.',
      'End the YAML front matter with a line containing only ---.',
    );
  }
  const parsed = parseEvidenceYaml(split.yaml, 'front matter');
  if (!parsed.ok) {
    const { line, column, message, fix } = parsed.problem;
    // +1: the YAML starts on the line after the opening ---.
    const where = { line: (line ?? 1) + 1, ...(column !== undefined ? { column } : {}) };
    throw evidenceError({ file: path, ...where }, message, fix);
  }
  const { value } = parsed;
  if (
    value !== null &&
    value !== undefined &&
    (typeof value !== 'object' || Array.isArray(value))
  ) {
    throw evidenceError(
      { file: path, line: 2, column: 1 },
      'front matter must be a mapping of keys to values.',
      'Write the front matter as "key: value" lines.',
    );
  }
  const data = (value ?? {}) as Record<string, unknown>;
  return { data, body: split.body, bodyLine: split.bodyLine };
}
