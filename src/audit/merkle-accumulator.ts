import { foldRight, hashChildren, hashSize } from './merkle.js';

/**
 * An append-only RFC 9162 §2.1.1 tree that keeps only its compact range: the roots of the
 * perfect subtrees whose sizes are the 1 bits of the leaf count, largest first. Appending is
 * amortised O(1) hashes (O(n) for n leaves), memory O(log n), and `root()` is O(log n) — so a
 * verifier can recompute the root of a million-entry log in one streaming pass.
 */
export class MerkleAccumulator {
  readonly #stack: Uint8Array[] = [];
  #size = 0;

  /**
   * Resumes a tree of `size` leaves from its compact range (the perfect-subtree roots whose sizes
   * are the 1 bits of `size`, largest first), as a store of tree nodes gives it.
   */
  static resume(size: number, compactRange: readonly Uint8Array[]): MerkleAccumulator {
    const ones = Number.isSafeInteger(size) && size >= 0 ? popCount(size) : -1;
    if (ones !== compactRange.length) {
      throw new RangeError(
        `MerkleAccumulator.resume: a tree of ${size} leaves has ${ones} perfect subtrees, not ${compactRange.length}`,
      );
    }
    const acc = new MerkleAccumulator();
    for (const node of compactRange) acc.#stack.push(Uint8Array.from(node));
    acc.#size = size;
    return acc;
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash (SHA-256(0x00 ‖ entry), see `hashLeaf`). */
  append(leafHash: Uint8Array): void {
    if (leafHash.length !== hashSize) {
      throw new RangeError(
        `MerkleAccumulator: a leaf hash has ${hashSize} bytes, not ${leafHash.length}`,
      );
    }
    let node = leafHash;
    // Each trailing 1 bit of the current size is a perfect subtree that now gains a sibling.
    for (let n = this.#size; n % 2 === 1; n = Math.floor(n / 2)) {
      node = hashChildren(this.#stack.pop() as Uint8Array, node);
    }
    this.#stack.push(node);
    this.#size += 1;
  }

  /** `MTH(D[size])` of the leaves appended so far; the empty-tree hash when there are none. */
  root(): Uint8Array {
    return foldRight(this.#stack);
  }

  /** The compact range (perfect-subtree roots, largest first); copies, for inspection. */
  compactRange(): Uint8Array[] {
    return [...this.#stack];
  }
}

function popCount(n: number): number {
  let ones = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) ones += rest % 2;
  return ones;
}
