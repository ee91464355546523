/**
 * RFC 9162 §2.1 (= RFC 6962 §2.1) Merkle tree hashing and proof verification for the browser,
 * with Web Crypto SHA-256. The same algorithms as the server's `src/audit/merkle.ts`, asynchronous
 * because `crypto.subtle.digest` is. Sizes are safe integers: bit operations are written as
 * division and remainder, since `>>` and `&` truncate to 32 bits.
 */
import { bytesEqual, sha256 } from './bytes.js';

/** Length in bytes of every node hash (SHA-256). */
const hashSize = 32;

const leafPrefix = new Uint8Array([0x00]);
const nodePrefix = new Uint8Array([0x01]);

/** SHA-256(0x00 ‖ data) — RFC 9162 §2.1.1. */
export function hashLeaf(data: Uint8Array): Promise<Uint8Array> {
  return sha256(leafPrefix, data);
}

/** SHA-256(0x01 ‖ left ‖ right) — RFC 9162 §2.1.1. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(nodePrefix, left, right);
}

/** `MTH({})`: SHA-256 of no bytes. */
export function emptyRoot(): Promise<Uint8Array> {
  return sha256();
}

/**
 * An append-only tree that keeps only the roots of its perfect subtrees (largest first), so a
 * log of any length is hashed in one pass with O(log n) memory.
 */
export class RootBuilder {
  readonly #stack: Uint8Array[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash. */
  async append(leafHash: Uint8Array): Promise<void> {
    if (leafHash.length !== hashSize) throw new RangeError('A leaf hash has 32 bytes');
    let node = leafHash;
    // Each trailing 1 bit of the size is a perfect subtree that now gains its sibling.
    for (let n = this.#size; n % 2 === 1; n = Math.floor(n / 2)) {
      node = await hashChildren(this.#stack.pop() as Uint8Array, node);
    }
    this.#stack.push(node);
    this.#size += 1;
  }

  /** `MTH(D[size])` of the leaves so far (the empty-tree hash when none). */
  async root(): Promise<Uint8Array> {
    let root = this.#stack[this.#stack.length - 1];
    if (root === undefined) return emptyRoot();
    for (let i = this.#stack.length - 2; i >= 0; i--) {
      root = await hashChildren(this.#stack[i] as Uint8Array, root);
    }
    return root;
  }
}

/** `MTH(D[n])` of a list of leaf hashes. */
export async function rootOfLeafHashes(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  const builder = new RootBuilder();
  for (const leaf of leafHashes) await builder.append(leaf);
  return builder.root();
}

/** Arguments of {@link verifyInclusion}; hashes are raw bytes. */
export interface InclusionCheck {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * RFC 9162 §2.1.3.2. False (never a throw) for an index outside the tree, a proof element that
 * is not 32 bytes, a proof of the wrong length or a root that does not match.
 */
export async function verifyInclusion(check: InclusionCheck): Promise<boolean> {
  const { leafIndex, treeSize, leafHash, proof, root } = check;
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return false;
  if (!proof.every(isHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/** Arguments of {@link verifyConsistency}. */
export interface ConsistencyCheck {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: readonly Uint8Array[];
}

/**
 * RFC 9162 §2.1.4.2, with transparency-dev's edge cases: size1 > size2 fails, equal sizes need
 * an empty proof and equal roots, size1 = 0 < size2 fails (nothing to prove; callers treat
 * "extends the empty tree" as true without a proof).
 */
export async function verifyConsistency(check: ConsistencyCheck): Promise<boolean> {
  const { size1, size2, root1, root2, proof } = check;
  if (!isIndex(size1) || !isIndex(size2) || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (size1 === 0 || proof.length === 0 || !proof.every(isHash)) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await hashChildren(c, fr);
      sr = await hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0;
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: Uint8Array): boolean {
  return h.length === hashSize;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function half(n: number): number {
  return Math.floor(n / 2);
}
