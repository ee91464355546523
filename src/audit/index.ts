/**
 * The audit log's pure core: RFC 9162 Merkle tree and proofs, RFC 8785 entry encoding, C2SP
 * signed notes and checkpoints (Ed25519), and the offline log verifier. No I/O.
 */
export {
  type ActorKind,
  type AuditAction,
  type AuditEntry,
  type AuditEntryCheck,
  actionPattern,
  actorKinds,
  assertAuditEntry,
  auditEntryShapeProblems,
  checkAuditEntry,
  encodeEntry,
  entryLeafHash,
  entryTextAroundSeq,
  knownAuditActions,
} from './audit-entry.js';
export {
  type AuditExportHeader,
  auditExportFormat,
  formatExportEntry,
  formatExportHeader,
  parseExportEntry,
  parseExportHeader,
} from './audit-export.js';
export {
  type Checkpoint,
  type CheckpointVerification,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export { entryModel } from './entry-model.js';
export {
  followKeyHandovers,
  handoverExtensions,
  handoverOf,
  type KeyHandover,
  type KeyTrust,
  keySigning,
} from './key-rotation.js';
export {
  bytesEqual,
  type ConsistencyCheck,
  consistencyProof,
  consistencyRanges,
  emptyRoot,
  hashChildren,
  hashLeaf,
  hashLeafText,
  hashSize,
  type InclusionCheck,
  inclusionProof,
  inclusionRanges,
  type LeafRange,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export { MerkleAccumulator } from './merkle-accumulator.js';
export {
  hashCompletedNodes,
  leftChild,
  nodeKey,
  nodesCompletedBy,
  perfectCover,
  rangeHash,
  type TreeNode,
  type TreeNodeId,
} from './merkle-nodes.js';
export {
  cosignNote,
  formatVerifierKey,
  generateSigningKey,
  keyId,
  type NoteSigner,
  type NoteVerification,
  parseVerifierKey,
  signNote,
  type VerifierKey,
  verifyNote,
} from './signed-note.js';
export {
  leafHashesOfPage,
  packStoredRows,
  pageSeparator,
  type StoredAuditPage,
} from './stored-page.js';
export {
  type LogFailureKind,
  type LoggedAuditEntry,
  type LogVerification,
  openStoredRow,
  type StoredAuditRow,
  type StoredAuditRows,
  storedLeafHashEquals,
  type VerifyLogInput,
  type VerifyLogProgress,
  verifyLog,
} from './verify-log.js';
