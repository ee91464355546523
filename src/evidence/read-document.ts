/**
 * Markdown evidence (model card, reports, plans): YAML front matter plus sections keyed by
 * normalised ATX heading. A section holds everything up to the next heading of the same or a
 * higher level, so "## Intended use" with "### Primary users" beneath it is not empty.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { EvidenceDocument, EvidenceKind } from '../domain/index.js';
import { normaliseHeading } from './normalise-heading.js';
import { parseFrontMatter } from './parse-front-matter.js';
import { parseHtmlDocument } from './parse-html-document.js';
import { parseUseConstraints } from './use-constraints.js';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export interface Heading {
  level: number;
  key: string;
  /** Index of the heading line in the body. */
  index: number;
}

/** Pure: parses Markdown text already read from `path`. */
export function parseMarkdownDocument(
  text: string,
  path: string,
  kind: EvidenceKind,
): EvidenceDocument {
  const { data, body } = parseFrontMatter(text, path);
  const lines = body.split(/\r?\n/);
  const headings = findHeadings(lines);
  const sections: Record<string, string> = {};
  headings.forEach((h, i) => {
    const next = headings.slice(i + 1).find((n) => n.level <= h.level);
    const content = lines
      .slice(h.index + 1, next ? next.index : lines.length)
      .join('\n')
      .trim();
    // A repeated heading adds to the section instead of replacing it.
    sections[h.key] = sections[h.key] ? `${sections[h.key]}\n\n${content}`.trim() : content;
  });
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
    const m = ATX.exec(line);
    if (!m) return;
    const key = normaliseHeading(m[2] ?? '');
    if (key !== '') headings.push({ level: m[1]!.length, key, index });
  });
  return headings;
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
export async function readDocument(path: string, kind: EvidenceKind): Promise<EvidenceDocument> {
  const text = await readFile(path, 'utf8');
  const ext = extname(path).toLowerCase();
  if (ext === '.html' || ext === '.htm') return parseHtmlDocument(text, path, kind);
  return parseMarkdownDocument(text, path, kind);
}
