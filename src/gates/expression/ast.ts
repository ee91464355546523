/** The syntax tree of a parsed expression; every node keeps its column for runtime messages. */

export type BinaryOperator =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

export type FunctionName = 'has' | 'size' | 'abs' | 'min' | 'max';

export type Expr =
  | { kind: 'literal'; value: number | string | boolean | null; column: number }
  | { kind: 'list'; items: Expr[]; column: number }
  | { kind: 'identifier'; name: string; column: number }
  | { kind: 'member'; object: Expr; name: string; column: number }
  | { kind: 'index'; object: Expr; index: Expr; column: number }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr; column: number }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr; column: number }
  | { kind: 'call'; name: FunctionName; args: Expr[]; column: number };
