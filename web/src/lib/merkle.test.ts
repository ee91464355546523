import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as server from '../../../src/audit/merkle.js';
import { fromBase64, fromHex, toHex } from './bytes.js';
import {
  emptyRoot,
  hashChildren,
  hashLeaf,
  RootBuilder,
  rootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

interface Vectors {
  hasher: {
    emptyRoot: string;
    leaves: { dataHex: string; hash: string }[];
    children: { leftHex: string; rightHex: string; hash: string }[];
  };
  tree: { leafInputsHex: string[]; rootHashes: string[] };
  inclusion: {
    source: string;
    leafIdx: number | string;
    treeSize: number;
    root: string;
    leafHash: string;
    proof: string[];
    wantErr: boolean;
  }[];
  consistency: {
    source: string;
    size1: number;
    size2: number;
    root1: string;
    root2: string;
    proof: string[];
    wantErr: boolean;
  }[];
}

// The transparency-dev/merkle vectors that src/audit/merkle.test.ts uses too.
const fixture = join(import.meta.dirname, '../../../test/fixtures/merkle/proof-vectors.json');
const vectors = JSON.parse(readFileSync(fixture, 'utf8')) as Vectors;
const unhex = (s: string): Uint8Array => fromHex(s) ?? new Uint8Array();
const b64 = (s: string): Uint8Array => {
  const bytes = fromBase64(s);
  if (bytes === undefined) throw new Error(`vector value ${s} is not base64`);
  return bytes;
};

describe('browser RFC 6962 hasher (transparency-dev/merkle vectors)', () => {
  it('hashes the empty tree, leaves and interior nodes', async () => {
    expect(toHex(await emptyRoot())).toBe(vectors.hasher.emptyRoot);
    for (const leaf of vectors.hasher.leaves) {
      expect(toHex(await hashLeaf(unhex(leaf.dataHex)))).toBe(leaf.hash);
    }
    for (const node of vectors.hasher.children) {
      expect(toHex(await hashChildren(unhex(node.leftHex), unhex(node.rightHex)))).toBe(node.hash);
    }
  });

  it('computes the root of every prefix of the 8-leaf tree', async () => {
    const leaves = await Promise.all(vectors.tree.leafInputsHex.map((h) => hashLeaf(unhex(h))));
    for (const [size, root] of vectors.tree.rootHashes.entries()) {
      expect(toHex(await rootOfLeafHashes(leaves.slice(0, size)))).toBe(root);
    }
  });

  it.each(vectors.inclusion)('inclusion $source', async (v) => {
    const leafIndex = typeof v.leafIdx === 'string' ? Number(BigInt(v.leafIdx)) : v.leafIdx;
    const ok = await verifyInclusion({
      leafIndex,
      treeSize: v.treeSize,
      leafHash: b64(v.leafHash),
      proof: v.proof.map(b64),
      root: b64(v.root),
    });
    expect(ok).toBe(!v.wantErr);
  });

  it.each(vectors.consistency)('consistency $source', async (v) => {
    const ok = await verifyConsistency({
      size1: v.size1,
      size2: v.size2,
      root1: b64(v.root1),
      root2: b64(v.root2),
      proof: v.proof.map(b64),
    });
    expect(ok).toBe(!v.wantErr);
  });
});

const leafLists = fc
  .array(fc.uint8Array({ maxLength: 16 }), { minLength: 1, maxLength: 80 })
  .map((items) => items.map((bytes, i) => server.hashLeaf(Uint8Array.from([i % 256, ...bytes]))));

describe('browser Merkle code agrees with src/audit on random logs (fast-check)', () => {
  it('recomputes the server root of every size, streaming', async () => {
    await fc.assert(
      fc.asyncProperty(leafLists, async (leaves) => {
        const builder = new RootBuilder();
        for (const [i, leaf] of leaves.entries()) {
          await builder.append(leaf);
          expect(toHex(await builder.root())).toBe(
            toHex(server.rootFromLeafHashes(leaves.slice(0, i + 1))),
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('verifies server inclusion and consistency proofs, and refuses a flipped bit', async () => {
    await fc.assert(
      fc.asyncProperty(leafLists, fc.nat(), fc.nat(), fc.nat(255), async (leaves, a, b, bit) => {
        const size2 = 1 + (a % leaves.length);
        const index = b % size2;
        const root2 = server.rootFromLeafHashes(leaves.slice(0, size2));
        const proof = server.inclusionProof(leaves, index, size2);
        const leafHash = leaves[index] as Uint8Array;
        const check = { leafIndex: index, treeSize: size2, leafHash, proof, root: root2 };
        expect(await verifyInclusion(check)).toBe(true);
        const flipped = Uint8Array.from(root2);
        flipped[bit % 32] = (flipped[bit % 32] ?? 0) ^ (1 << (bit % 8));
        expect(await verifyInclusion({ ...check, root: flipped })).toBe(false);
        const size1 = 1 + index;
        const root1 = server.rootFromLeafHashes(leaves.slice(0, size1));
        const consistency = server.consistencyProof(leaves, size1, size2);
        const cons = { size1, size2, root1, root2, proof: consistency };
        expect(await verifyConsistency(cons)).toBe(true);
        if (size1 < size2) expect(await verifyConsistency({ ...cons, root2: flipped })).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
