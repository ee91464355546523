/**
 * A Pratt parser for the CEL-like gate expressions. Precedence, loosest first (as in CEL):
 * `||`, `&&`, relations (`== != < <= > >= in`), `+ -`, `* / %`, prefix `! -`, then member
 * access, indexing and calls.
 */
import type { BinaryOperator, Expr, FunctionName } from './ast.js';
import { ExpressionSyntaxError, type Token, tokenize } from './tokenizer.js';

const infixPower: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  in: 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
};
const prefixPower = 6;
const postfixPower = 7;
/** Deep enough for any real policy, shallow enough that recursion cannot exhaust the stack. */
const maxDepth = 64;
const maxLength = 10_000;

/** Functions and how many arguments each takes. */
const functionArity: Record<FunctionName, { min: number; max: number }> = {
  has: { min: 1, max: 1 },
  size: { min: 1, max: 1 },
  abs: { min: 1, max: 1 },
  min: { min: 2, max: 16 },
  max: { min: 2, max: 16 },
};

const isFunctionName = (name: string): name is FunctionName => Object.hasOwn(functionArity, name);

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos += 1;
    return token;
  }

  fail(expected: string, token: Token = this.peek()): never {
    const found = token.kind === 'end' ? 'end of input' : `"${token.text}"`;
    throw new ExpressionSyntaxError(
      `Expected ${expected} at column ${token.column} but found ${found}.`,
      token.column,
      expected,
    );
  }

  private expect(text: string, expected = `"${text}"`): Token {
    if (this.peek().text !== text || this.peek().kind === 'string') this.fail(expected);
    return this.next();
  }

  parseAll(): Expr {
    const expr = this.expression(0);
    if (this.peek().kind !== 'end') this.fail('an operator or end of input');
    return expr;
  }

  expression(minPower: number): Expr {
    this.depth += 1;
    if (this.depth > maxDepth) this.fail(`an expression nested at most ${maxDepth} deep`);
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      const isOperator =
        token.kind === 'operator' || (token.kind === 'identifier' && token.text === 'in');
      if (!isOperator) break;
      if (['.', '[', '('].includes(token.text)) {
        if (postfixPower <= minPower) break;
        left = this.postfix(left);
        continue;
      }
      const power = infixPower[token.text];
      if (power === undefined || power <= minPower) break;
      this.next();
      const right = this.expression(power);
      left = {
        kind: 'binary',
        op: token.text as BinaryOperator,
        left,
        right,
        column: token.column,
      };
    }
    this.depth -= 1;
    return left;
  }

  private prefix(): Expr {
    const token = this.next();
    const column = token.column;
    if (token.kind === 'number' || token.kind === 'string') {
      return { kind: 'literal', value: token.value ?? null, column };
    }
    if (token.kind === 'identifier') return this.identifier(token);
    if (token.text === '!' || token.text === '-') {
      const operand = this.expression(prefixPower - 1);
      return { kind: 'unary', op: token.text, operand, column };
    }
    if (token.text === '(') {
      const inner = this.expression(0);
      this.expect(')', '")"');
      return inner;
    }
    if (token.text === '[') return { kind: 'list', items: this.arguments(']'), column };
    return this.fail('an expression', token);
  }

  private identifier(token: Token): Expr {
    const column = token.column;
    if (token.text === 'true' || token.text === 'false') {
      return { kind: 'literal', value: token.text === 'true', column };
    }
    if (token.text === 'null') return { kind: 'literal', value: null, column };
    if (token.text === 'in') return this.fail('an expression', token);
    if (this.peek().text !== '(' || this.peek().kind !== 'operator') {
      return { kind: 'identifier', name: token.text, column };
    }
    if (!isFunctionName(token.text)) {
      return this.fail(`one of the functions ${Object.keys(functionArity).join(', ')}`, token);
    }
    this.next();
    const args = this.arguments(')');
    const arity = functionArity[token.text];
    if (args.length < arity.min || args.length > arity.max) {
      const count = arity.min === arity.max ? `${arity.min}` : `at least ${arity.min}`;
      this.fail(`${count} argument${arity.min === 1 ? '' : 's'} to ${token.text}()`, token);
    }
    if (token.text === 'has' && args[0]?.kind !== 'member') {
      this.fail('a field selection such as has(metrics.auc)', token);
    }
    return { kind: 'call', name: token.text, args, column };
  }

  /** Comma-separated expressions up to `close` (which is consumed). */
  private arguments(close: string): Expr[] {
    const items: Expr[] = [];
    if (this.peek().text === close && this.peek().kind === 'operator') {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.expression(0));
      const token = this.peek();
      if (token.kind === 'operator' && token.text === ',') {
        this.next();
        continue;
      }
      this.expect(close, `"," or "${close}"`);
      return items;
    }
  }

  private postfix(object: Expr): Expr {
    const token = this.next();
    if (token.text === '.') {
      const name = this.next();
      if (name.kind !== 'identifier') this.fail('a field name', name);
      return { kind: 'member', object, name: name.text, column: name.column };
    }
    if (token.text === '[') {
      const index = this.expression(0);
      this.expect(']', '"]"');
      return { kind: 'index', object, index, column: token.column };
    }
    return this.fail('a function name before "("', token);
  }
}

export type ParseResult =
  | { ok: true; expr: Expr }
  | { ok: false; error: { message: string; column: number; expected: string } };

/** Parses an expression; syntax errors come back as values with the column and what was expected. */
export function parseExpression(source: string): ParseResult {
  try {
    if (source.length > maxLength) {
      throw new ExpressionSyntaxError(
        `The expression is ${source.length} characters long; the limit is ${maxLength}.`,
        maxLength + 1,
        `at most ${maxLength} characters`,
      );
    }
    return { ok: true, expr: new Parser(tokenize(source)).parseAll() };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) {
      return {
        ok: false,
        error: { message: error.message, column: error.column, expected: error.expected },
      };
    }
    throw error;
  }
}
