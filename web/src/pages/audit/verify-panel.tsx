/** "Verify in browser": the whole log checked here against the pinned key, with the result. */
import { useState } from 'react';
import { asApiError } from '../../api/use-resource';
import { ErrorMessage } from '../../app/page-state';
import { useApi } from '../../app/session';
import { toBase64 } from '../../lib/bytes.js';
import { type BrowserLogVerification, verifyLogInBrowser } from '../../lib/verify-log.js';
import { fetchAllEntries, fetchCheckpointNotes } from './audit-data';
import { type PinnedKey, readPinnedKey, storePinnedKey } from './pinned-key';

type State =
  | { step: 'idle' }
  | { step: 'running'; what: string }
  | { step: 'done'; result: BrowserLogVerification; entries: number; ms: number }
  | { step: 'failed'; error: ReturnType<typeof asApiError> };

export function VerifyPanel(props: { onBadEntry(seq: number): void }) {
  const api = useApi();
  const [pinned, setPinned] = useState<PinnedKey>(readPinnedKey);
  const [draft, setDraft] = useState(pinned?.key ?? '');
  const [state, setState] = useState<State>({ step: 'idle' });

  async function verify() {
    if (!pinned) return;
    const started = performance.now();
    try {
      setState({ step: 'running', what: 'Fetching the signed checkpoints…' });
      const checkpoints = await fetchCheckpointNotes(api);
      setState({ step: 'running', what: 'Fetching every entry…' });
      const entries = await fetchAllEntries(api);
      setState({ step: 'running', what: `Hashing ${entries.length} entries…` });
      const origin = pinned.key.split('+')[0];
      const result = await verifyLogInBrowser({
        checkpoints,
        entries,
        pinnedKeys: [pinned.key],
        ...(origin ? { origin } : {}),
      });
      setState({ step: 'done', result, entries: entries.length, ms: performance.now() - started });
      if (!result.ok && result.firstBadSeq !== null) props.onBadEntry(result.firstBadSeq);
    } catch (cause) {
      setState({ step: 'failed', error: asApiError(cause) });
    }
  }

  function pin() {
    storePinnedKey(draft);
    setPinned(readPinnedKey());
    setState({ step: 'idle' });
  }

  return (
    <section aria-labelledby="verify-heading" className="panel">
      <h2 id="verify-heading">Verify in your browser</h2>
      <p className="muted">
        Your browser fetches every signed checkpoint and every entry, recomputes each entry's RFC
        6962 leaf hash and the Merkle root with Web Crypto, and checks each checkpoint's Ed25519
        signature against the key pinned here, never the key the server sends with it.
      </p>
      {pinned?.source === 'build' ? (
        <p>
          Pinned key (built into this app): <code className="digest">{pinned.key}</code>
        </p>
      ) : (
        <div className="field">
          <label htmlFor="pinned-key">Pinned verifier key</label>
          <span id="pinned-key-help" className="muted">
            The log's public key, <code>name+keyid+base64</code>, as your operator published it
            (kept in this browser).
          </span>
          <input
            id="pinned-key"
            aria-describedby="pinned-key-help"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            spellCheck={false}
          />
          <div>
            <button type="button" onClick={pin}>
              Pin this key
            </button>
            {pinned && (
              <span className="muted"> Pinned: {pinned.key.split('+').slice(0, 2).join('+')}</span>
            )}
          </div>
        </div>
      )}
      <button
        type="button"
        className="primary"
        onClick={verify}
        disabled={!pinned || state.step === 'running'}
      >
        Verify in browser
      </button>
      <div aria-live="polite">
        {state.step === 'running' && <p className="muted">{state.what}</p>}
        {state.step === 'failed' && <ErrorMessage error={state.error} />}
        {state.step === 'done' && <VerifyResult {...state} />}
      </div>
    </section>
  );
}

function VerifyResult({
  result,
  entries,
  ms,
}: {
  result: BrowserLogVerification;
  entries: number;
  ms: number;
}) {
  if (!result.ok) {
    return (
      <div role="alert" className="notice notice-error">
        <p>
          <strong>
            Verification failed
            {result.firstBadSeq !== null ? ` at entry seq ${result.firstBadSeq}` : ''} (
            {result.kind}
            ).
          </strong>{' '}
          {result.reason}
        </p>
      </div>
    );
  }
  const uncovered = result.size - result.checkpointedSize;
  return (
    <div role="status" className="notice notice-success">
      <p>
        <strong>Verified.</strong> {entries} entries hash to root{' '}
        <code className="digest">{toBase64(result.rootHash)}</code>; the checkpoint of size{' '}
        {result.checkpointedSize} is signed by {result.signedBy.join(', ')} (the pinned key).
        {uncovered > 0 &&
          ` The newest ${uncovered} entries match their recorded leaf hashes but no signed checkpoint covers them yet.`}{' '}
        Took {Math.round(ms)} ms.
      </p>
    </div>
  );
}
