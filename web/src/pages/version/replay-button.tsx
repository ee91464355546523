import { useState } from 'react';
import type { ApiError, Paths } from '../../api/client';
import { asApiError } from '../../api/use-resource';
import { ErrorMessage } from '../../app/page-state';
import { useApi } from '../../app/session';

type Replay =
  Paths['/api/v1/decisions/{id}/replay']['post']['responses'][200]['content']['application/json'];

/** Recomputes the decision from stored evidence and policy alone, and shows whether it agrees. */
export function ReplayButton({ decisionId }: { decisionId: string }) {
  const api = useApi();
  const [result, setResult] = useState<Replay | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const replay = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.post('/api/v1/decisions/{id}/replay', { path: { id: decisionId } }));
    } catch (cause) {
      setError(asApiError(cause));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <div className="actions">
        <button type="button" onClick={replay} disabled={busy}>
          {busy ? 'Replaying…' : 'Replay this decision'}
        </button>
      </div>
      {error && <ErrorMessage error={error} />}
      {result && (
        <div
          role="status"
          className={`notice ${result.reproduced ? 'notice-info' : 'notice-error'}`}
        >
          <p>
            {result.reproduced
              ? `Replay reproduced the decision: ${String(result.replayed?.outcome ?? result.original?.outcome ?? '')}, the same gate results from the stored evidence and policy.`
              : 'Replay did not reproduce the decision.'}
            {result.evidenceIntact === false &&
              ' The stored evidence no longer matches its digests.'}
            {result.policyIntact === false && ' The stored policy no longer matches its digest.'}
          </p>
          {result.differences.length > 0 && (
            <ul>
              {result.differences.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
