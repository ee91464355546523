/**
 * Tokens of the expression language. Columns are 1-based so messages match what editors show.
 */

export type TokenKind = 'number' | 'string' | 'identifier' | 'operator' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text (for strings, the decoded value is in `value`). */
  text: string;
  value?: number | string;
  column: number;
}

/** A syntax error: where, what was expected, and what was found. */
export class ExpressionSyntaxError extends Error {
  readonly column: number;
  readonly expected: string;

  constructor(message: string, column: number, expected: string) {
    super(message);
    this.name = 'ExpressionSyntaxError';
    this.column = column;
    this.expected = expected;
  }
}

// Longest first, so `<=` is not read as `<` then `=`.
const operators = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
];
const escapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

function readString(source: string, start: number): { token: Token; end: number } {
  const quote = source[start];
  let value = '';
  let i = start + 1;
  while (i < source.length && source[i] !== quote) {
    if (source[i] === '\\') {
      const escaped = escapes[source[i + 1] ?? ''];
      if (escaped === undefined) {
        throw new ExpressionSyntaxError(
          `Unknown escape "\\${source[i + 1] ?? ''}" at column ${i + 1}.`,
          i + 1,
          'one of \\n \\t \\r \\\\ \\" \\\'',
        );
      }
      value += escaped;
      i += 2;
    } else {
      value += source[i];
      i += 1;
    }
  }
  if (i >= source.length) {
    throw new ExpressionSyntaxError(
      `Unterminated string starting at column ${start + 1}.`,
      start + 1,
      `a closing ${quote}`,
    );
  }
  return {
    token: { kind: 'string', text: source.slice(start, i + 1), value, column: start + 1 },
    end: i + 1,
  };
}

/** Splits `source` into tokens, ending with an `end` token; throws {@link ExpressionSyntaxError}. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const rest = source.slice(i);
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    if (number !== null && /[\d.]/.test(ch) && !(ch === '.' && !/^\.\d/.test(rest))) {
      tokens.push({ kind: 'number', text: number[0], value: Number(number[0]), column: i + 1 });
      i += number[0].length;
      continue;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (identifier !== null) {
      tokens.push({ kind: 'identifier', text: identifier[0], column: i + 1 });
      i += identifier[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { token, end } = readString(source, i);
      tokens.push(token);
      i = end;
      continue;
    }
    const op = operators.find((o) => rest.startsWith(o));
    if (op === undefined) {
      throw new ExpressionSyntaxError(
        `Unexpected character "${ch}" at column ${i + 1}.`,
        i + 1,
        'an operator, a name, a number or a string',
      );
    }
    tokens.push({ kind: 'operator', text: op, column: i + 1 });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: 'end of input', column: source.length + 1 });
  return tokens;
}
