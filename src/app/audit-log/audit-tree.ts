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

/** The perfect-subtree roots of the first `size` leaves, largest first (to resume appending). */
export function storedCompactRange(tx: Repositories, size: number): Promise<Uint8Array[]> {
  return tx.audit.treeNodes(perfectCover({ start: 0, end: size }));
}

/** `PATH(seq, D[size])` from stored nodes. */
export function storedInclusionProof(
  tx: Repositories,
  seq: number,
  size: number,
): Promise<Uint8Array[]> {
  return rangeHashes(tx, inclusionRanges(seq, size));
}

/** `PROOF(size1, D[size2])` from stored nodes. */
export function storedConsistencyProof(
  tx: Repositories,
  size1: number,
  size2: number,
): Promise<Uint8Array[]> {
  return rangeHashes(tx, consistencyRanges(size1, size2));
}
