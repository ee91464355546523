/**
 * SPDX licence expressions (`MIT OR GPL-3.0-only`, `(Apache-2.0 AND BSD-3-Clause)`) judged
 * against allow/deny lists: for OR the best option counts (the licensee may choose), for AND
 * every part must be acceptable.
 */

export type LicenseVerdict = 'allowed' | 'unknown' | 'denied';

export interface LicenseLists {
  allow?: readonly string[] | undefined;
  deny?: readonly string[] | undefined;
}

type Node = { kind: 'id'; id: string } | { kind: 'and' | 'or'; left: Node; right: Node };

const rank: Record<LicenseVerdict, number> = { denied: 0, unknown: 1, allowed: 2 };

/**
 * The family of an id, so that `GPL-3.0` in a policy matches `GPL-3.0-only`, `GPL-3.0-or-later`
 * and `GPL-3.0+` (SPDX deprecated the bare form; lists written by people still use it).
 */
function licenseFamily(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/(-only|-or-later|\+)$/, '');
}

const unknownIds = new Set(['noassertion', 'none', 'unknown', '']);

function tokenize(expression: string): string[] {
  return expression
    .replace(/[()]/g, ' $& ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

/** Recursive descent over `or := and (OR and)*`, `and := atom (AND atom)*`; undefined if malformed. */
function parse(expression: string): Node | undefined {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos]?.toUpperCase();
  const atom = (): Node | undefined => {
    const token = tokens[pos++];
    if (token === undefined) return undefined;
    if (token === '(') {
      const inner = or();
      return tokens[pos++] === ')' ? inner : undefined;
    }
    if (token === ')' || ['AND', 'OR', 'WITH'].includes(token.toUpperCase())) return undefined;
    // An exception (`WITH Classpath-exception-2.0`) only adds permissions; judge the licence.
    if (peek() === 'WITH') pos += 2;
    return { kind: 'id', id: token };
  };
  const binary = (kind: 'and' | 'or', next: () => Node | undefined) => (): Node | undefined => {
    let left = next();
    while (left !== undefined && peek() === kind.toUpperCase()) {
      pos++;
      const right = next();
      left = right === undefined ? undefined : { kind, left, right };
    }
    return left;
  };
  const and = binary('and', atom);
  const or = binary('or', and);
  const node = or();
  return pos === tokens.length ? node : undefined;
}

function judgeId(id: string, lists: LicenseLists): LicenseVerdict {
  const family = licenseFamily(id);
  if (lists.deny?.some((d) => licenseFamily(d) === family)) return 'denied';
  if (unknownIds.has(family) || family.startsWith('licenseref-')) {
    return lists.allow?.some((a) => licenseFamily(a) === family) ? 'allowed' : 'unknown';
  }
  if (lists.allow === undefined) return 'allowed';
  return lists.allow.some((a) => licenseFamily(a) === family) ? 'allowed' : 'unknown';
}

function judgeNode(node: Node, lists: LicenseLists): LicenseVerdict {
  if (node.kind === 'id') return judgeId(node.id, lists);
  const left = judgeNode(node.left, lists);
  const right = judgeNode(node.right, lists);
  const pick = node.kind === 'or' ? Math.max : Math.min;
  return rank[left] === pick(rank[left], rank[right]) ? left : right;
}

/**
 * The verdict on one declared licence (an id or an SPDX expression). A malformed expression is
 * judged conservatively: every id in it must be acceptable, as if joined by AND.
 */
export function judgeLicense(expression: string, lists: LicenseLists): LicenseVerdict {
  const node = parse(expression);
  if (node !== undefined) return judgeNode(node, lists);
  const ids = tokenize(expression).filter((t) => !/^(AND|OR|WITH|\(|\))$/i.test(t));
  if (ids.length === 0) return judgeId('', lists);
  return ids
    .map((id) => judgeId(id, lists))
    .reduce((worst, v) => (rank[v] < rank[worst] ? v : worst), 'allowed');
}
