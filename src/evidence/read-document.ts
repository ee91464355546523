/**
 * Markdown evidence (model card, reports, plans): YAML front matter plus sections keyed by
 * normalised ATX heading, nested as `sectionsByHeading` says.
 */
import { extname } from 'node:path';
import type { EvidenceDocument, EvidenceKind } from '../domain/index.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { normaliseHeading } from './normalise-heading.js';
import { parseFrontMatter } from './parse-front-matter.js';
import { sectionsByHeading } from './sections-by-heading.js';
import { parseUseConstraints } from './use-constraints.js';

// Anchored, one greedy run of one character and nothing after it: linear.
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

interface Heading {
  level: number;
  key: string;
  /** Index of the heading line in the body. */
  index: number;
}

/** Pure: parses Markdown text already read from `path`. Linear in the length of `text`. */
export function parseMarkdownDocument(
  text: string,
  path: string,
  kind: EvidenceKind,
): EvidenceDocument {
  const { data, body } = parseFrontMatter(text, path);
  const lines = body.split(/\r?\n/);
  const sections = sectionsByHeading(findHeadings(lines), (heading, next) =>
    lines
      .slice(heading.index + 1, next ? next.index : lines.length)
      .join('\n')
      .trim(),
  );
  return withUseConstraints({ kind, path, frontMatter: data, sections });
}

function findHeadings(lines: readonly string[]): Heading[] {
  const headings: Heading[] = [];
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const f = FENCE.exec(line);
    if (f) {
      const marker = f[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return; // "# comment" inside a code block is not a heading
    const atx = parseAtxHeading(line);
    if (atx === undefined) return;
    const key = normaliseHeading(atx.text);
    if (key !== '') headings.push({ level: atx.level, key, index });
  });
  return headings;
}

const isBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t';

/**
 * An ATX heading line (CommonMark §4.2): up to three spaces, one to six `#`, then the end of the
 * line or a space or tab before the text; an optional closing run of `#` after a space or tab is
 * dropped. Written as a scan rather than the regex it replaces
 * (`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`), whose lazy group made a long run of
 * spaces quadratic; every loop here moves one index one way, so it is linear.
 */
export function parseAtxHeading(line: string): { level: number; text: string } | undefined {
  let at = 0;
  while (at < 3 && line[at] === ' ') at++;
  let level = 0;
  while (line[at + level] === '#') level++;
  if (level < 1 || level > 6) return undefined;
  const rest = line.slice(at + level);
  // The regex's `.` stopped at these, so a line holding one was never a heading.
  if (/[\r\u2028\u2029]/.test(rest)) return undefined;
  if (rest !== '' && !isBlank(rest[0])) return undefined;
  let start = 0;
  while (start < rest.length && isBlank(rest[start])) start++;
  let end = rest.length;
  while (end > start && isBlank(rest[end - 1])) end--;
  let hashes = end;
  while (hashes > start && rest[hashes - 1] === '#') hashes--;
  if (hashes < end && hashes > start && isBlank(rest[hashes - 1])) {
    end = hashes;
    while (end > start && isBlank(rest[end - 1])) end--;
  }
  return { level, text: rest.slice(start, end) };
}

/** Model cards may declare use constraints at the top level or under CycloneDX `modelCard`. */
function withUseConstraints(doc: EvidenceDocument): EvidenceDocument {
  const fm = doc.frontMatter;
  const nested = fm.modelCard;
  const raw =
    fm.useConstraints ??
    (typeof nested === 'object' && nested !== null
      ? (nested as Record<string, unknown>).useConstraints
      : undefined);
  if (raw === undefined) return doc;
  return { ...doc, useConstraints: parseUseConstraints(raw, doc.path) };
}

/** Reads a `.md` (or `.html`, for evaluation reports exported from notebooks) document. */
export async function readDocument(
  path: string,
  kind: EvidenceKind,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<EvidenceDocument> {
  const text = await files.readText(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.html' || ext === '.htm') {
    // htmlparser2 loads only for HTML reports, not on every `clearance check`.
    const { parseHtmlDocument } = await import('./parse-html-document.js');
    return parseHtmlDocument(text, path, kind);
  }
  return parseMarkdownDocument(text, path, kind);
}
