/**
 * The log's Merkle tree read from its stored perfect subtrees (`AuditRepository.treeNodes`):
 * a root, an inclusion or a consistency proof costs O(log n) node reads, not every leaf hash.
 * The pure shapes (which subtrees a proof names, how they fold) are in `audit/merkle-nodes.ts`.
 */
import {
  consistencyRanges,
  emptyRoot,
  inclusionRanges,
  type LeafRange,
  nodeKey,
  perfectCover,
  rangeHash,
  type TreeNodeId,
} from '../../audit/index.js';
import type { Repositories } from '../shared/ports.js';

/** The hash of each range, folded from its stored perfect cover; one read for all of them. */
async function rangeHashes(tx: Repositories, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const wanted = new Map<string, TreeNodeId>();
  for (const range of ranges) {
    for (const id of perfectCover(range)) wanted.set(nodeKey(id), id);
  }
  const ids = [...wanted.values()];
  const hashes = await tx.audit.treeNodes(ids);
  const byKey = new Map(ids.map((id, k) => [nodeKey(id), hashes[k] as Uint8Array]));
  return ranges.map((range) => rangeHash(range, (id) => byKey.get(nodeKey(id)) as Uint8Array));
}

/** `MTH(D[size])` of the stored log. */
export async function storedRoot(tx: Repositories, size: number): Promise<Uint8Array> {
  if (size === 0) return emptyRoot();
  const [root] = await rangeHashes(tx, [{ start: 0, end: size }]);
  return root as Uint8Array;
}

/** `PATH(seq, D[size])` from stored nodes. */
export function storedInclusionProof(
  tx: Repositories,
  seq: number,
  size: number,
): Promise<Uint8Array[]> {
  return rangeHashes(tx, inclusionRanges(seq, size));
}

/**
 * `PROOF(size1, D[size2])` and `MTH(D[size1])` from stored nodes in one read (0 < size1 ≤ size2):
 * the proof and the root it must lead from, when no checkpoint was signed at size1.
 */
export async function storedConsistencyProofAndRoot(
  tx: Repositories,
  size1: number,
  size2: number,
): Promise<{ proof: Uint8Array[]; root1: Uint8Array }> {
  const hashes = await rangeHashes(tx, [
    ...consistencyRanges(size1, size2),
    { start: 0, end: size1 },
  ]);
  return { proof: hashes.slice(0, -1), root1: hashes.at(-1) as Uint8Array };
}

/**
 * The compact range at `from` and `MTH(D[to])` (0 ≤ from ≤ to) in one read: where signing resumes
 * the tree, and the root the stored nodes give at the new size.
 */
export async function storedRangeAndRoot(
  tx: Repositories,
  from: number,
  to: number,
): Promise<{ compactRange: Uint8Array[]; root: Uint8Array }> {
  const cover = perfectCover({ start: 0, end: from });
  const ids = new Map<string, TreeNodeId>();
  for (const id of [...cover, ...perfectCover({ start: 0, end: to })]) ids.set(nodeKey(id), id);
  const wanted = [...ids.values()];
  const hashes = await tx.audit.treeNodes(wanted);
  const byKey = new Map(wanted.map((id, k) => [nodeKey(id), hashes[k] as Uint8Array]));
  const root =
    to === 0
      ? emptyRoot()
      : rangeHash({ start: 0, end: to }, (id) => byKey.get(nodeKey(id)) as Uint8Array);
  return { compactRange: cover.map((id) => byKey.get(nodeKey(id)) as Uint8Array), root };
}

/** `PROOF(size1, D[size2])` from stored nodes. */
export function storedConsistencyProof(
  tx: Repositories,
  size1: number,
  size2: number,
): Promise<Uint8Array[]> {
  return rangeHashes(tx, consistencyRanges(size1, size2));
}
