/**
 * The nesting rule shared by the Markdown and HTML readers: a section holds everything up to the
 * next heading of the same or a higher level, so "## Intended use" with "### Primary users"
 * beneath it is not empty. A repeated heading adds to its section instead of replacing it.
 *
 * Linear: one pass with a stack of open headings finds where each section ends (every heading is
 * pushed and popped once), and the parts of a repeated heading are joined once at the end.
 */
export interface SectionHeading {
  level: number;
  /** Normalised heading; `''` ends sections like any heading but gets none of its own. */
  key: string;
}

export function sectionsByHeading<H extends SectionHeading>(
  headings: readonly H[],
  /** The trimmed text between `heading` and `next` (or the end of the document). */
  contentBetween: (heading: H, next: H | undefined) => string,
): Record<string, string> {
  const ends = new Array<H | undefined>(headings.length);
  const open: number[] = [];
  headings.forEach((heading, i) => {
    for (let top = open.at(-1); top !== undefined; top = open.at(-1)) {
      if (headings[top]!.level < heading.level) break;
      ends[top] = heading;
      open.pop();
    }
    open.push(i);
  });
  const parts = new Map<string, string[]>();
  headings.forEach((heading, i) => {
    if (heading.key === '') return;
    const content = contentBetween(heading, ends[i]);
    const list = parts.get(heading.key);
    if (list === undefined) parts.set(heading.key, content === '' ? [] : [content]);
    else if (content !== '') list.push(content);
  });
  // fromEntries defines own properties, so a heading named "constructor" is just a section.
  return Object.fromEntries([...parts].map(([key, list]) => [key, list.join('\n\n')]));
}
