/**
 * Media types as a header carries them: the grammar of RFC 9110 §8.3.1 and §5.6.6,
 *
 *   media-type = type "/" subtype parameters
 *   parameters = *( OWS ";" OWS [ parameter ] )
 *   parameter  = parameter-name "=" parameter-value
 *   parameter-value = ( token / quoted-string )
 *
 * with tokens (§5.6.2) and quoted strings (§5.6.4), in ASCII: `obs-text` (bytes 0x80–0xFF),
 * which the RFC keeps only for old senders, is refused, so a stored value is the same header on
 * every server and in every browser. A scanner rather than a regular expression: the optional
 * parameter between optional whitespace would make a backtracking pattern slow on hostile input.
 */

/** The longest media type kept (a header line, not a document). */
export const maxMediaTypeLength = 255;

const tokenSymbols = "!#$%&'*+-.^_`|~";

function isTchar(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c) || tokenSymbols.includes(c);
}

/** HTAB, SP and the visible ASCII characters: what a quoted pair may escape. */
function isQuotable(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0x7e);
}

/** `qdtext`, without obs-text: a quotable character other than `"` and `\`. */
function isQdtext(code: number): boolean {
  return isQuotable(code) && code !== 0x22 && code !== 0x5c;
}

/** A character as a message names it: printable ASCII quoted, anything else by code point. */
function shown(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code > 0x20 && code < 0x7f) return `"${c}"`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

class Scanner {
  #at = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.#at >= this.text.length;
  }

  get next(): string {
    return this.text.charAt(this.#at);
  }

  /** What is wrong at the current position, for a message. */
  problem(expected: string): string {
    if (this.done) return `it ends where ${expected} should follow`;
    const char = String.fromCodePoint(this.text.codePointAt(this.#at) ?? 0);
    return `character ${this.#at + 1} is ${shown(char)} where ${expected} should be`;
  }

  skipWhitespace(): void {
    while (this.next === ' ' || this.next === '\t') this.#at += 1;
  }

  token(): string {
    const start = this.#at;
    while (!this.done && isTchar(this.next)) this.#at += 1;
    return this.text.slice(start, this.#at);
  }

  take(c: string): boolean {
    if (this.next !== c) return false;
    this.#at += 1;
    return true;
  }

  /** Reads a quoted string after its opening quote; a problem, or undefined once closed. */
  quotedRest(): string | undefined {
    for (;;) {
      if (this.done) return 'a quoted parameter value is never closed';
      const code = this.text.charCodeAt(this.#at);
      if (code === 0x22) {
        this.#at += 1;
        return undefined;
      }
      if (code === 0x5c) {
        this.#at += 1;
        if (this.done || !isQuotable(this.text.charCodeAt(this.#at)))
          return this.problem('an escaped visible character');
      } else if (!isQdtext(code)) {
        return this.problem('a quoted visible character');
      }
      this.#at += 1;
    }
  }
}

/** One `;` parameter (after the `;` and its whitespace): a problem, or undefined. */
function parameter(scan: Scanner): string | undefined {
  if (scan.token() === '') return scan.problem('a parameter name');
  if (!scan.take('=')) return scan.problem('"=" after the parameter name');
  if (scan.take('"')) return scan.quotedRest();
  return scan.token() === '' ? scan.problem('a parameter value') : undefined;
}

/**
 * Why `value` is not a media type by RFC 9110 (`type/subtype`, then `; name=value` parameters,
 * values tokens or quoted strings, ASCII, at most {@link maxMediaTypeLength} characters), for a
 * message; undefined when it is one.
 */
export function checkMediaType(value: string): string | undefined {
  if (value.length > maxMediaTypeLength)
    return `it is ${value.length} characters long, over the ${maxMediaTypeLength} kept`;
  const scan = new Scanner(value);
  if (scan.token() === '') return scan.problem('a type (such as text)');
  if (!scan.take('/')) return scan.problem('"/" after the type');
  if (scan.token() === '') return scan.problem('a subtype (such as csv)');
  while (!scan.done) {
    scan.skipWhitespace();
    if (!scan.take(';')) return scan.problem('";" before a parameter');
    scan.skipWhitespace();
    // RFC 9110 lets a parameter be empty: `text/plain;` and `text/plain; ; charset=utf-8`.
    if (scan.done || scan.next === ';') continue;
    const problem = parameter(scan);
    if (problem) return problem;
  }
  return undefined;
}
