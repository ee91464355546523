/** An entry's inclusion proof, fetched from the API and checked here step by step. */
import { useEffect, useState } from 'react';
import { asApiError } from '../../api/use-resource';
import { ErrorMessage } from '../../app/page-state';
import { useApi } from '../../app/session';
import { bytesEqual, fromBase64 } from '../../lib/bytes.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { parseCheckpoint, parseVerifierKey, verifyCheckpoint } from '../../lib/checkpoint.js';
import { hashLeaf, verifyInclusion } from '../../lib/merkle.js';
import { readPinnedKey } from './pinned-key';

interface Check {
  label: string;
  ok: boolean;
}

type State =
  | { step: 'loading' }
  | { step: 'failed'; error: ReturnType<typeof asApiError> }
  | { step: 'done'; treeSize: number; proof: string[]; checks: Check[] };

export function EntryProof({ seq }: { seq: number }) {
  const api = useApi();
  const [state, setState] = useState<State>({ step: 'loading' });
  useEffect(() => {
    let current = true;
    (async () => {
      const found = await api.get('/api/v1/audit/proofs/inclusion/{seq}', { path: { seq } });
      const leafHash = fromBase64(found.leafHash) ?? new Uint8Array();
      const recomputed = await hashLeaf(new TextEncoder().encode(canonicalJson(found.entry)));
      const body = parseCheckpoint(
        found.checkpoint.note.slice(0, found.checkpoint.note.lastIndexOf('\n\n') + 1),
      );
      const root = typeof body === 'string' ? new Uint8Array() : body.rootHash;
      const included = await verifyInclusion({
        leafIndex: found.seq,
        treeSize: found.treeSize,
        leafHash: recomputed,
        proof: found.proof.map((p) => fromBase64(p) ?? new Uint8Array()),
        root,
      });
      const pinned = readPinnedKey();
      const key = pinned ? await parseVerifierKey(pinned.key) : undefined;
      const signed =
        key && typeof key !== 'string'
          ? (await verifyCheckpoint(found.checkpoint.note, [key])).ok
          : undefined;
      const checks: Check[] = [
        {
          label: 'The entry hashes to the leaf hash recorded when it was appended',
          ok: bytesEqual(leafHash, recomputed),
        },
        {
          label: `The audit path leads from the leaf to the root of the tree of ${found.treeSize}`,
          ok: included,
        },
        signed === undefined
          ? { label: 'Checkpoint signature not checked: pin a verifier key above', ok: false }
          : { label: 'The checkpoint carrying that root is signed by the pinned key', ok: signed },
      ];
      if (current) setState({ step: 'done', treeSize: found.treeSize, proof: found.proof, checks });
    })().catch(
      (cause: unknown) => current && setState({ step: 'failed', error: asApiError(cause) }),
    );
    return () => {
      current = false;
    };
  }, [api, seq]);

  if (state.step === 'loading') return <p className="muted">Fetching the proof…</p>;
  if (state.step === 'failed') return <ErrorMessage error={state.error} />;
  return (
    <div className="proof">
      <ul className="checks">
        {state.checks.map((c) => (
          <li key={c.label}>
            <span className={`badge ${c.ok ? 'badge-pass' : 'badge-fail'}`}>
              {c.ok ? 'pass' : 'fail'}
            </span>{' '}
            {c.label}
          </li>
        ))}
      </ul>
      <p className="muted">
        Audit path ({state.proof.length} hashes, sibling first, RFC 9162 §2.1.3):
      </p>
      <ol className="digest-list">
        {state.proof.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: proof hashes are positional.
          <li key={i}>
            <code className="digest">{p}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
