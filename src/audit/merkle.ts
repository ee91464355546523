/**
 * The Merkle tree of RFC 9162 §2.1 (identical to RFC 6962 §2.1) with SHA-256: tree hashes,
 * inclusion and consistency proofs and their verification. Pure: hashes with node:crypto only.
 *
 * Sizes and indices are JavaScript numbers (safe integers, up to 2^53 − 1), so every bit operation
 * of the RFC is written as division and remainder: `>>` and `&` would truncate to 32 bits.
 */
import { createHash, hash } from 'node:crypto';

/** Length in bytes of every node hash (SHA-256). */
export const hashSize = 32;

const leafPrefix = new Uint8Array([0x00]);
const nodePrefix = new Uint8Array([0x01]);

/** `MTH({d})` for one entry: SHA-256(0x00 ‖ data) — RFC 9162 §2.1.1. */
export function hashLeaf(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(leafPrefix).update(data).digest();
}

/** Reused input of `hashLeafText`: 0x00 then the text's UTF-8 bytes (grown when too small). */
let leafInput = Buffer.alloc(16 * 1024);

/**
 * `hashLeaf` of the UTF-8 bytes of `text`, encoded straight into a reused buffer and hashed in
 * one call: no intermediate byte array per leaf, for the verifier's pass over stored entries.
 */
export function hashLeafText(text: string): Uint8Array {
  const most = 1 + 3 * text.length;
  if (most > leafInput.length) leafInput = Buffer.alloc(most);
  leafInput[0] = 0x00;
  const length = leafInput.write(text, 1, 'utf8');
  return hash('sha256', leafInput.subarray(0, 1 + length), 'buffer');
}

/** Reused input of `hashChildren` (one-shot `crypto.hash` is about twice as fast as `createHash`). */
const nodeInput = Buffer.alloc(1 + 2 * 32, 0x01);

/** An interior node: SHA-256(0x01 ‖ left ‖ right) — RFC 9162 §2.1.1. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== hashSize || right.length !== hashSize) {
    return createHash('sha256').update(nodePrefix).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + hashSize);
  return hash('sha256', nodeInput, 'buffer');
}

/** `MTH({})`, the root of the empty tree: SHA-256 of no bytes — RFC 9162 §2.1.1. */
export function emptyRoot(): Uint8Array {
  return createHash('sha256').digest();
}

/**
 * `MTH(D[n])` from the leaf hashes (RFC 9162 §2.1.1), iteratively in O(n) time and O(log n)
 * memory: a stack of perfect-subtree roots, folded right to left at the end, which yields the
 * same tree as the RFC's split at the largest power of two smaller than n.
 */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  return subtreeRoot(hashes, 0, hashes.length);
}

/** The leaves `[start, end)` of a subtree whose hash is one element of a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

/**
 * `PATH(m, D[n])`, the audit path of leaf `index` in the tree of the first `treeSize` leaf hashes
 * (RFC 9162 §2.1.3.1), ordered from the leaf's sibling up to the root's child. O(treeSize) hashes.
 * Throws a RangeError unless 0 ≤ index < treeSize ≤ leafHashes.length.
 */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  index: number,
  treeSize: number,
): Uint8Array[] {
  assertSize(treeSize, leafHashes.length, 'treeSize');
  return inclusionRanges(index, treeSize).map((r) => subtreeRoot(leafHashes, r.start, r.end));
}

/**
 * The subtrees whose hashes form `PATH(index, D[treeSize])` (RFC 9162 §2.1.3.1), in proof order.
 * Every range is aligned: it starts at a multiple of the largest power of two not above its size,
 * so a store of perfect-subtree hashes answers a proof in O(log n) reads.
 */
export function inclusionRanges(index: number, treeSize: number): LeafRange[] {
  assertSize(treeSize, Number.MAX_SAFE_INTEGER, 'treeSize');
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new RangeError(`inclusionProof: leaf index ${index} is outside a tree of ${treeSize}`);
  }
  // Walk down from the root; the RFC appends each sibling after the deeper path, so reverse.
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * `PROOF(size1, D[size2])`, the consistency proof between the trees of the first `size1` and
 * `size2` leaf hashes (RFC 9162 §2.1.4.1). Empty when size1 = 0 or size1 = size2. Throws a
 * RangeError unless 0 ≤ size1 ≤ size2 ≤ leafHashes.length.
 */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  size1: number,
  size2: number,
): Uint8Array[] {
  assertSize(size2, leafHashes.length, 'size2');
  return consistencyRanges(size1, size2).map((r) => subtreeRoot(leafHashes, r.start, r.end));
}

/** The subtrees whose hashes form `PROOF(size1, D[size2])` (RFC 9162 §2.1.4.1), aligned. */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  assertSize(size2, Number.MAX_SAFE_INTEGER, 'size2');
  assertSize(size1, size2, 'size1');
  if (size1 === 0 || size1 === size2) return [];
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let whole = true; // the RFC's `b`: is this subtree the old tree itself?
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) topDown.push({ start: lo, end: hi });
  return topDown.reverse();
}

/** Arguments of {@link verifyInclusion}. */
export interface InclusionCheck {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * Verifies an audit path exactly as RFC 9162 §2.1.3.2. Returns false (never throws) for a
 * negative or unsafe index or size, an index outside the tree, a proof element that is not 32
 * bytes, a proof of the wrong length, or a root that does not match.
 */
export function verifyInclusion(check: InclusionCheck): boolean {
  const { leafIndex, treeSize, leafHash, proof, root } = check;
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return false;
  if (!proof.every(isHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
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
 * Verifies a consistency proof exactly as RFC 9162 §2.1.4.2, after the edge cases
 * transparency-dev/merkle checks first: size1 > size2 fails; size1 = size2 needs an empty proof
 * and equal roots. size1 = 0 < size2 returns **false**: the RFC algorithm cannot run (there is
 * no `first − 1`) and transparency-dev's published vectors expect an error, so a caller must
 * treat "consistent with the empty tree" as trivially true rather than ask for a proof.
 */
export function verifyConsistency(check: ConsistencyCheck): boolean {
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
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0;
}

/** Byte-wise equality of two hashes (lengths included). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `MTH(D[start:end])` with a stack of perfect-subtree roots; O(end − start), no recursion. */
function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end === start) return emptyRoot();
  const stack: Uint8Array[] = [];
  for (let i = start; i < end; i++) {
    let node = hashes[i] as Uint8Array;
    // Merge while the count of leaves pushed so far ends in 1 bits: perfect subtrees pair up.
    for (let n = i - start; n % 2 === 1; n = half(n)) {
      node = hashChildren(stack.pop() as Uint8Array, node);
    }
    stack.push(node);
  }
  return foldRight(stack);
}

/**
 * Combines perfect-subtree roots (largest first) into the tree root. The rightmost, smallest
 * subtrees join first, which is the RFC's shape: the left child is always a perfect subtree.
 */
export function foldRight(stack: readonly Uint8Array[]): Uint8Array {
  let root = stack[stack.length - 1];
  if (root === undefined) return emptyRoot();
  for (let i = stack.length - 2; i >= 0; i--) root = hashChildren(stack[i] as Uint8Array, root);
  return root;
}

function assertSize(size: number, max: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > max) {
    throw new RangeError(`${what} ${size} must be an integer between 0 and ${max}`);
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: Uint8Array): boolean {
  return h.length === hashSize;
}

function half(n: number): number {
  return Math.floor(n / 2);
}
