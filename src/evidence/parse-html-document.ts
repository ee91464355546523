/**
 * HTML reports (e.g. exported notebooks) → sections by <h1>–<h6>, text with tags stripped and
 * nested as `sectionsByHeading` says for Markdown. Deliberately shallow: enough for the documents
 * gate to see that a section exists and is non-empty, not a renderer.
 *
 * htmlparser2's tokenizer reads the document in one pass (the regexes it replaces were quadratic
 * on unclosed tags). Its Parser is not used: it keeps open elements in an array it `unshift`s,
 * which is quadratic on 300,000 unclosed tags. Nothing here needs the element tree — only where
 * headings open and close — so the text is kept as a list of pieces and each section joins its
 * own range: linear in the size of the file. As before, a heading counts once its closing tag is
 * seen, and a heading inside a heading is part of its text.
 */
import { Tokenizer } from 'htmlparser2';
import type { EvidenceDocument, EvidenceKind } from '../domain/index.js';
import { normaliseHeading } from './normalise-heading.js';
import { sectionsByHeading } from './sections-by-heading.js';

interface HtmlHeading {
  level: number;
  key: string;
  /** Piece index where the heading's tag opened (where the previous section ends). */
  opened: number;
  /** Piece index after its closing tag (where its own section starts). */
  closed: number;
}

const headingLevel = (name: string): number | undefined =>
  /^h[1-6]$/.test(name) ? Number(name[1]) : undefined;

export function parseHtmlDocument(
  html: string,
  path: string,
  kind: EvidenceKind,
): EvidenceDocument {
  const pieces: string[] = [];
  const headings: HtmlHeading[] = [];
  let hidden = 0; // inside <script> or <style>: not text
  let open: { level: number; name: string; opened: number; text: string[] } | undefined;
  let nested = 0; // headings inside the open heading count as its text
  // A tag separates words, as a space would.
  const onTag = (): void => {
    pieces.push(' ');
    open?.text.push(' ');
  };
  const onOpen = (name: string): void => {
    onTag();
    if (name === 'script' || name === 'style') hidden++;
    const level = headingLevel(name);
    if (level === undefined || hidden > 0) return;
    if (open === undefined) open = { level, name, opened: pieces.length - 1, text: [] };
    else nested++;
  };
  const onClose = (name: string): void => {
    onTag();
    if (name === 'script' || name === 'style') hidden = Math.max(0, hidden - 1);
    if (open === undefined || headingLevel(name) === undefined) return;
    if (nested > 0 && name !== open.name) {
      nested--;
      return;
    }
    nested = 0;
    const key = normaliseHeading(collapseText(open.text.join('')));
    headings.push({ level: open.level, key, opened: open.opened, closed: pieces.length });
    open = undefined;
  };
  const onText = (text: string): void => {
    if (hidden > 0) return;
    pieces.push(text);
    open?.text.push(text);
  };
  const ignore = (): void => {};
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname: (start, end) => onOpen(html.slice(start, end).toLowerCase()),
      onclosetag: (start, end) => onClose(html.slice(start, end).toLowerCase()),
      ontext: (start, end) => onText(html.slice(start, end)),
      ontextentity: (codepoint) => onText(String.fromCodePoint(codepoint)),
      oncdata: (start, end) => onText(html.slice(start, end)),
      oncomment: onTag,
      onattribdata: ignore,
      onattribentity: ignore,
      onattribend: ignore,
      onattribname: ignore,
      ondeclaration: ignore,
      onend: ignore,
      onopentagend: ignore,
      onprocessinginstruction: ignore,
      onselfclosingtag: ignore,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  const sections = sectionsByHeading(headings, (heading, next) =>
    collapseText(pieces.slice(heading.closed, next ? next.opened : pieces.length).join('')),
  );
  return { kind, path, frontMatter: {}, sections };
}

/**
 * Runs of spaces, tabs and no-break spaces become one space; each line is trimmed and blank
 * lines dropped. Line by line rather than one regex across newlines, which backtracks over long
 * runs of other whitespace.
 */
function collapseText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}
