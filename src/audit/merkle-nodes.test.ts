import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  consistencyRanges,
  hashLeaf,
  inclusionProof,
  inclusionRanges,
  rootFromLeafHashes,
} from './merkle.js';
import {
  hashCompletedNodes,
  leftChild,
  nodeKey,
  nodesCompletedBy,
  perfectCover,
  rangeHash,
  type TreeNodeId,
} from './merkle-nodes.js';

/** Appends leaves the way the store does, keeping every node (leaves at level 0) in a map. */
function storeNodes(leaves: readonly Uint8Array[]): Map<string, Uint8Array> {
  const nodes = new Map<string, Uint8Array>();
  leaves.forEach((leafHash, seq) => {
    nodes.set(nodeKey({ level: 0, index: seq }), leafHash);
    const completed = nodesCompletedBy(seq);
    const leftHashes = completed.map((node) => nodes.get(nodeKey(leftChild(node))) as Uint8Array);
    for (const node of hashCompletedNodes({ completed, leftHashes, leafHash })) {
      nodes.set(nodeKey(node), node.hash);
    }
  });
  return nodes;
}

function lookup(nodes: Map<string, Uint8Array>) {
  return (id: TreeNodeId) => {
    const hash = nodes.get(nodeKey(id));
    if (hash === undefined) throw new Error(`node ${nodeKey(id)} was never stored`);
    return hash;
  };
}

const leavesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`entry ${i}`)));

describe('stored Merkle nodes', () => {
  it('completes the nodes whose subtrees a leaf fills, lowest first', () => {
    expect(nodesCompletedBy(0)).toEqual([]);
    expect(nodesCompletedBy(1)).toEqual([{ level: 1, index: 0 }]);
    expect(nodesCompletedBy(6)).toEqual([]);
    expect(nodesCompletedBy(7)).toEqual([
      { level: 1, index: 3 },
      { level: 2, index: 1 },
      { level: 3, index: 0 },
    ]);
  });

  it('covers an aligned range by its binary decomposition, largest first', () => {
    expect(perfectCover({ start: 0, end: 7 })).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(perfectCover({ start: 8, end: 13 })).toEqual([
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(() => perfectCover({ start: 1, end: 4 })).toThrow(/not aligned/);
  });

  it('gives the RFC 9162 root, inclusion and consistency proofs from O(log n) nodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = leavesOf(n);
        const hashOf = lookup(storeNodes(leaves));
        const size = 1 + (a % n);
        const index = b % size;
        expect(rangeHash({ start: 0, end: size }, hashOf)).toEqual(
          rootFromLeafHashes(leaves.slice(0, size)),
        );
        const inclusion = inclusionRanges(index, size).map((r) => rangeHash(r, hashOf));
        expect(inclusion).toEqual(inclusionProof(leaves, index, size));
        const size1 = b % (size + 1);
        const consistency = consistencyRanges(size1, size).map((r) => rangeHash(r, hashOf));
        expect(consistency).toEqual(consistencyProof(leaves, size1, size));
        // A proof never needs more than two nodes per level of the tree.
        const needed = inclusionRanges(index, size).flatMap((r) => perfectCover(r));
        expect(needed.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size + 1)));
      }),
      { numRuns: 200 },
    );
  });
});
