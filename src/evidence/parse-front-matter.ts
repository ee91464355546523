/** YAML front matter between `---` lines at the top of a Markdown file. */
import { isMap, parseDocument } from 'yaml';
import { evidenceError } from './evidence-error.js';

export interface FrontMatter {
  data: Record<string, unknown>;
  /** The Markdown after the closing fence. */
  body: string;
  /** Lines the front matter took, so body line numbers can be reported against the file. */
  bodyLine: number;
}

export function parseFrontMatter(text: string, path: string): FrontMatter {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = source.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return { data: {}, body: source, bodyLine: 1 };
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line));
  if (close < 0) {
    throw evidenceError(
      { file: path, line: 1, column: 1 },
      'front matter opened with --- is never closed.',
      'End the YAML front matter with a line containing only ---.',
    );
  }
  const yamlText = lines.slice(1, close).join('\n');
  const doc = parseDocument(yamlText);
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    throw evidenceError(
      // +1: the YAML starts on the line after the opening ---.
      { file: path, ...(pos ? { line: pos.line + 1, column: pos.col } : { line: 2 }) },
      `front matter is not valid YAML (${first.message.split('\n')[0]}).`,
      'Fix the YAML between the --- lines (indentation and "key: value" pairs are the usual cause).',
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw evidenceError(
      { file: path, line: 2, column: 1 },
      'front matter must be a mapping of keys to values.',
      'Write the front matter as "key: value" lines.',
    );
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  return { data, body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}
