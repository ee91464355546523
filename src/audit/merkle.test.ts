import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { MerkleAccumulator } from './merkle-accumulator.js';

interface InclusionVector {
  source: string;
  leafIdx: number | string;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[];
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  source: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
  desc: string;
  wantErr: boolean;
}
interface Vectors {
  hasher: {
    emptyRoot: string;
    leaves: { dataHex: string; hash: string }[];
    children: { leftHex: string; rightHex: string; hash: string }[];
  };
  tree: { leafInputsHex: string[]; nodeHashes: string[][]; rootHashes: string[] };
  inclusion: InclusionVector[];
  consistency: ConsistencyVector[];
}

const fixture = join(import.meta.dirname, '../../test/fixtures/merkle/proof-vectors.json');
const vectors = JSON.parse(readFileSync(fixture, 'utf8')) as Vectors;
const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const treeLeaves = vectors.tree.leafInputsHex.map((h) => hashLeaf(unhex(h)));

describe('RFC 6962 hasher (transparency-dev/merkle vectors)', () => {
  it('hashes the empty tree, leaves and interior nodes', () => {
    expect(hex(emptyRoot())).toBe(vectors.hasher.emptyRoot);
    for (const leaf of vectors.hasher.leaves)
      expect(hex(hashLeaf(unhex(leaf.dataHex)))).toBe(leaf.hash);
    for (const node of vectors.hasher.children) {
      expect(hex(hashChildren(unhex(node.leftHex), unhex(node.rightHex)))).toBe(node.hash);
    }
  });

  it('distinguishes an empty leaf from the empty tree, and leaf from node', () => {
    expect(hex(hashLeaf(new Uint8Array()))).not.toBe(hex(emptyRoot()));
    const [a, b] = [hashLeaf(unhex('00')), hashLeaf(unhex('01'))];
    expect(hex(hashChildren(a, b))).not.toBe(hex(hashLeaf(Buffer.concat([a, b]))));
    expect(hex(hashChildren(a, b))).not.toBe(hex(hashChildren(b, a)));
  });

  it('computes the root of every prefix of the 8-leaf tree', () => {
    vectors.tree.rootHashes.forEach((root, size) => {
      expect(hex(rootFromLeafHashes(treeLeaves.slice(0, size)))).toBe(root);
    });
  });

  it('keeps a compact range of perfect subtrees that matches the node hashes', () => {
    const acc = new MerkleAccumulator();
    expect(hex(acc.root())).toBe(vectors.tree.rootHashes[0]);
    const nodes = vectors.tree.nodeHashes;
    treeLeaves.forEach((leaf, i) => {
      acc.append(leaf);
      expect(hex(acc.root())).toBe(vectors.tree.rootHashes[i + 1]);
    });
    expect(acc.compactRange().map(hex)).toEqual([nodes[3]?.[0]]);
    expect(acc.size).toBe(8);
  });
});

describe('proof vectors (transparency-dev/merkle testdata)', () => {
  it('stores a representative set', () => {
    expect(vectors.inclusion.length + vectors.consistency.length).toBeGreaterThanOrEqual(60);
  });

  it.each(vectors.inclusion)('inclusion $source', (v) => {
    const leafIndex = typeof v.leafIdx === 'string' ? Number(BigInt(v.leafIdx)) : v.leafIdx;
    const ok = verifyInclusion({
      leafIndex,
      treeSize: v.treeSize,
      leafHash: b64(v.leafHash),
      proof: v.proof.map(b64),
      root: b64(v.root),
    });
    expect(ok).toBe(!v.wantErr);
  });

  it.each(vectors.consistency)('consistency $source', (v) => {
    const ok = verifyConsistency({
      size1: v.size1,
      size2: v.size2,
      root1: b64(v.root1),
      root2: b64(v.root2),
      proof: v.proof.map(b64),
    });
    expect(ok).toBe(!v.wantErr);
  });
});

describe('RFC 6962 §2.1.3 structural examples (7 leaves)', () => {
  const leaves = treeLeaves.slice(0, 7);
  const [a, b, c, d, e, f, j] = leaves as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const g = hashChildren(a, b);
  const h = hashChildren(c, d);
  const i = hashChildren(e, f);
  const k = hashChildren(g, h);
  const l = hashChildren(i, j);
  const names = new Map(
    [a, b, c, d, e, f, g, h, i, j, k, l].map((n, x) => [hex(n), 'abcdefghijkl'[x]]),
  );
  const named = (proof: Uint8Array[]): string => proof.map((p) => names.get(hex(p))).join('');

  it('builds the audit paths of the RFC', () => {
    expect(named(inclusionProof(leaves, 0, 7))).toBe('bhl');
    expect(named(inclusionProof(leaves, 3, 7))).toBe('cgl');
    expect(named(inclusionProof(leaves, 4, 7))).toBe('fjk');
    // The RFC's figure gives [i, k]; j is d6's own leaf, so it cannot be on d6's path.
    expect(named(inclusionProof(leaves, 6, 7))).toBe('ik');
  });

  it('builds the consistency proofs of the RFC', () => {
    expect(named(consistencyProof(leaves, 3, 7))).toBe('cdgl');
    expect(named(consistencyProof(leaves, 4, 7))).toBe('l');
    expect(named(consistencyProof(leaves, 6, 7))).toBe('ijk');
  });

  it('returns empty proofs at the edges and refuses impossible sizes', () => {
    expect(consistencyProof(leaves, 0, 7)).toEqual([]);
    expect(consistencyProof(leaves, 7, 7)).toEqual([]);
    expect(inclusionProof(leaves.slice(0, 1), 0, 1)).toEqual([]);
    expect(() => consistencyProof(leaves, 5, 4)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 7, 7)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, 8)).toThrow(RangeError);
  });
});

const leafArrays = fc
  .array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 70 })
  // Distinct leaves: with two equal leaves, one proof legitimately serves both positions.
  .map((items) => items.map((bytes, i) => hashLeaf(Buffer.concat([Buffer.from(`${i}:`), bytes]))));

function flipBit(proof: Uint8Array[], which: number, bit: number): Uint8Array[] {
  return proof.map((p, index) => {
    if (index !== which % proof.length) return p;
    const copy = new Uint8Array(p);
    copy[Math.floor(bit / 8) % copy.length] =
      (copy[Math.floor(bit / 8) % copy.length] ?? 0) ^ (1 << (bit % 8));
    return copy;
  });
}

describe('generated proofs (fast-check)', () => {
  it('every inclusion proof verifies, and any flipped bit fails it', () => {
    fc.assert(
      fc.property(leafArrays, fc.nat(), fc.nat(), fc.nat(), fc.nat(255), (leaves, s, m, w, bit) => {
        const treeSize = 1 + (s % leaves.length);
        const leafIndex = m % treeSize;
        const root = rootFromLeafHashes(leaves.slice(0, treeSize));
        const proof = inclusionProof(leaves, leafIndex, treeSize);
        const leafHash = leaves[leafIndex] as Uint8Array;
        expect(verifyInclusion({ leafIndex, treeSize, leafHash, proof, root })).toBe(true);
        if (proof.length > 0) {
          const bad = flipBit(proof, w, bit);
          expect(verifyInclusion({ leafIndex, treeSize, leafHash, proof: bad, root })).toBe(false);
        }
        if (treeSize > 1) {
          const other = (leafIndex + 1) % treeSize;
          expect(verifyInclusion({ leafIndex: other, treeSize, leafHash, proof, root })).toBe(
            false,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every consistency proof verifies, and any flipped bit fails it', () => {
    fc.assert(
      fc.property(leafArrays, fc.nat(), fc.nat(), fc.nat(), fc.nat(255), (leaves, a, b, w, bit) => {
        const size2 = 1 + (a % leaves.length);
        const size1 = 1 + (b % size2);
        const root1 = rootFromLeafHashes(leaves.slice(0, size1));
        const root2 = rootFromLeafHashes(leaves.slice(0, size2));
        const proof = consistencyProof(leaves, size1, size2);
        expect(verifyConsistency({ size1, size2, root1, root2, proof })).toBe(true);
        if (proof.length > 0) {
          const bad = flipBit(proof, w, bit);
          expect(verifyConsistency({ size1, size2, root1, root2, proof: bad })).toBe(false);
          expect(verifyConsistency({ size1, size2, root1: root2, root2: root1, proof })).toBe(
            false,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the accumulator agrees with the batch root for every size', () => {
    fc.assert(
      fc.property(leafArrays, (leaves) => {
        const acc = new MerkleAccumulator();
        leaves.forEach((leaf, i) => {
          acc.append(leaf);
          expect(hex(acc.root())).toBe(hex(rootFromLeafHashes(leaves.slice(0, i + 1))));
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('verification edge cases', () => {
  const root = rootFromLeafHashes(treeLeaves);
  it('rejects unsafe or negative numbers instead of truncating them', () => {
    const proof = inclusionProof(treeLeaves, 0, 8);
    const leafHash = treeLeaves[0] as Uint8Array;
    expect(verifyInclusion({ leafIndex: -1, treeSize: 8, leafHash, proof, root })).toBe(false);
    expect(verifyInclusion({ leafIndex: 0.5, treeSize: 8, leafHash, proof, root })).toBe(false);
    expect(verifyInclusion({ leafIndex: 0, treeSize: 2 ** 53, leafHash, proof, root })).toBe(false);
    // 2^32 + 8 would look like 8 to 32-bit bit operations.
    expect(verifyInclusion({ leafIndex: 0, treeSize: 2 ** 32 + 8, leafHash, proof, root })).toBe(
      false,
    );
  });

  it('treats consistency with the empty tree as a question with no proof', () => {
    expect(
      verifyConsistency({ size1: 0, size2: 0, root1: emptyRoot(), root2: emptyRoot(), proof: [] }),
    ).toBe(true);
    expect(
      verifyConsistency({ size1: 0, size2: 8, root1: emptyRoot(), root2: root, proof: [] }),
    ).toBe(false);
  });
});
