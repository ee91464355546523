/**
 * The log's Merkle tree as stored perfect subtrees, so a proof or a root costs O(log n) reads
 * instead of O(n) leaf hashes. A node `(level, index)` is the root of the perfect subtree over
 * leaves `[index·2^level, (index+1)·2^level)`; level 0 is a leaf hash. Every subtree a RFC 9162
 * proof names is aligned (see `inclusionRanges`), so it is the right fold of at most log₂ n such
 * nodes — its binary decomposition, largest first. Pure.
 */
import { foldRight, hashChildren, type LeafRange } from './merkle.js';

/** The perfect subtree over leaves `[index·2^level, (index+1)·2^level)`. */
export interface TreeNodeId {
  level: number;
  index: number;
}

/** A node with its hash, as a store keeps it. */
export interface TreeNode extends TreeNodeId {
  hash: Uint8Array;
}

/**
 * The perfect subtrees covering an aligned range, largest first: the leaves of the compact range
 * of `[0, n)` when `start` is 0. Throws a RangeError for a range a RFC 9162 tree never splits
 * off (its cover would not fold into the range's tree hash).
 */
export function perfectCover(range: LeafRange): TreeNodeId[] {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`perfectCover: [${start}, ${end}) is not a range of leaves`);
  }
  const cover: TreeNodeId[] = [];
  let previous = Number.POSITIVE_INFINITY;
  for (let lo = start; lo < end; ) {
    let size = largestPowerOfTwoAtMost(end - lo);
    while (lo % size !== 0) size /= 2;
    if (size > previous) {
      throw new RangeError(
        `perfectCover: [${start}, ${end}) is not aligned to its largest subtree`,
      );
    }
    cover.push({ level: Math.log2(size), index: lo / size });
    previous = size;
    lo += size;
  }
  return cover;
}

/**
 * The nodes above the leaves (level ≥ 1) that appending leaf `seq` completes, lowest first. Node
 * `(L, i)` hashes its left child `(L−1, 2i)` with its right child, which is the previous node in
 * this list (the new leaf itself for the first). Amortised one node per leaf.
 */
export function nodesCompletedBy(seq: number): TreeNodeId[] {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`nodesCompletedBy: seq ${seq}`);
  const completed: TreeNodeId[] = [];
  for (let count = seq + 1, level = 1; count % 2 === 0; count /= 2, level++) {
    completed.push({ level, index: count / 2 - 1 });
  }
  return completed;
}

/** The left child of a node above the leaves. */
export function leftChild(node: TreeNodeId): TreeNodeId {
  return { level: node.level - 1, index: node.index * 2 };
}

/**
 * Hashes the nodes completed by appending a leaf: `leftHashes[k]` is the hash of the left child
 * of `completed[k]`, `leafHash` the new leaf's. Returns the nodes with their hashes.
 */
export function hashCompletedNodes(input: {
  completed: readonly TreeNodeId[];
  leftHashes: readonly Uint8Array[];
  leafHash: Uint8Array;
}): TreeNode[] {
  let right = input.leafHash;
  return input.completed.map((node, k) => {
    const left = input.leftHashes[k];
    if (left === undefined) throw new RangeError(`hashCompletedNodes: no left child for ${k}`);
    right = hashChildren(left, right);
    return { ...node, hash: right };
  });
}

/** `MTH` of an aligned range from the hashes of its perfect cover (`hashOf` looks them up). */
export function rangeHash(range: LeafRange, hashOf: (node: TreeNodeId) => Uint8Array): Uint8Array {
  return foldRight(perfectCover(range).map(hashOf));
}

/** A stable key for a node id, for maps. */
export function nodeKey(node: TreeNodeId): string {
  return `${node.level}:${node.index}`;
}

function largestPowerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}
