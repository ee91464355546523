/**
 * HTML reports (e.g. exported notebooks) → sections by <h1>–<h6>, text with tags stripped.
 * Deliberately shallow: enough for the documents gate to see that a section exists and is
 * non-empty, not a renderer.
 */
import type { EvidenceDocument, EvidenceKind } from '../domain/index.js';
import { normaliseHeading } from './normalise-heading.js';

const HEADING = /<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi;

export function parseHtmlDocument(
  html: string,
  path: string,
  kind: EvidenceKind,
): EvidenceDocument {
  const body = html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '');
  const found = [...body.matchAll(HEADING)].map((m) => ({
    level: Number(m[1]),
    key: normaliseHeading(toText(m[2] ?? '')),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const sections: Record<string, string> = {};
  found.forEach((h, i) => {
    if (h.key === '') return;
    const next = found.slice(i + 1).find((n) => n.level <= h.level);
    const content = toText(body.slice(h.end, next ? next.start : body.length));
    sections[h.key] = sections[h.key] ? `${sections[h.key]}\n\n${content}`.trim() : content;
  });
  return { kind, path, frontMatter: {}, sections };
}

function toText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}
