import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/** A path into the policy data, as Zod reports it: keys and 0-based list indexes. */
export type DataPath = readonly PropertyKey[];

/** Whether a problem is about a mapping key (an unknown key) or about the value at the path. */
export type PathTarget = 'key' | 'value';

export interface Position {
  line: number;
  column: number;
}

/**
 * The 1-based line and column of the YAML node at `path`. When the path runs past what the
 * document holds (a missing key), the deepest node that exists is used, which is the mapping the
 * key should be added to.
 */
export function locatePath(
  doc: Document,
  lineCounter: LineCounter,
  path: DataPath,
  target: PathTarget,
): Position | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const segment of path) {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    const step = childOf(resolved, segment);
    if (!step) break;
    node = step.value ?? step.key ?? resolved;
    keyNode = step.key;
  }
  const chosen = target === 'key' && keyNode !== undefined ? keyNode : node;
  const offset = startOf(chosen) ?? startOf(doc.contents);
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function childOf(node: unknown, segment: PropertyKey): { key?: Node; value?: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find(
      (item) => isScalar(item.key) && String(item.key.value) === String(segment),
    );
    if (!pair) return undefined;
    return { key: pair.key as Node, value: pair.value ?? undefined };
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function startOf(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}
