import { useState } from 'react';
import type { ApiClient, ApiError } from '../../api/client';
import { gatesOf, reasonsOf } from '../../api/types';
import { asApiError, useResource } from '../../api/use-resource';
import { formatTime } from '../../app/format';
import { ErrorMessage, Loaded } from '../../app/page-state';
import { SignOffForm } from '../../app/parts/sign-off-form';
import { type RequestDetail, SignOffStatus } from '../../app/parts/sign-off-status';
import { useApi } from '../../app/session';
import { GateTable } from './gate-table';
import { PlotSlot } from './plot-slot';
import { ReplayButton } from './replay-button';

async function loadRequest(api: ApiClient, id: string) {
  const detail = await api.get('/api/v1/requests/{id}', { path: { id } });
  const decisionId = detail.request.decisionId;
  const decision = decisionId
    ? await api.get('/api/v1/decisions/{id}', { path: { id: decisionId } })
    : undefined;
  return { detail, decision };
}

/** One transition request of the version: gates, plots, sign-offs, timeline and actions. */
export function RequestPanel({ requestId, onChanged }: { requestId: string; onChanged(): void }) {
  const api = useApi();
  const [message, setMessage] = useState<string | undefined>();
  const resource = useResource(() => loadRequest(api, requestId), [api, requestId, message]);
  const done = (text: string) => {
    setMessage(text);
    onChanged();
  };
  return (
    <Loaded resource={resource}>
      {({ detail, decision }) => {
        const gates = decision ? gatesOf(decision) : [];
        const reasons = decision ? reasonsOf(decision) : [];
        const { request } = detail;
        return (
          <section aria-labelledby="request-heading">
            <h2 id="request-heading">
              Request: {request.from} → {request.to}{' '}
              <span className="badge badge-info">{request.status}</span>
            </h2>
            {message && (
              <p role="status" className="notice notice-info">
                {message}
              </p>
            )}
            {decision && (
              <>
                <h3>Gates</h3>
                <p>
                  Decision <code>{decision.id}</code> at {formatTime(String(decision.at ?? ''))}:{' '}
                  <strong>{decision.outcome}</strong>
                  {reasons.length > 0 && ` — ${reasons.join(' ')}`}
                </p>
                <GateTable gates={gates} caption={`Gates of ${request.from} → ${request.to}`} />
                <PlotSlot gates={gates} />
                <ReplayButton decisionId={decision.id} />
              </>
            )}
            <SignOffStatus detail={detail} />
            <Actions detail={detail} onDone={done} />
            <Timeline
              detail={detail}
              decisionAt={decision ? String(decision.at ?? '') : undefined}
            />
          </section>
        );
      }}
    </Loaded>
  );
}

/** Exactly the actions the API says this person may take now (`actions` of the request). */
function Actions({ detail, onDone }: { detail: RequestDetail; onDone(message: string): void }) {
  const api = useApi();
  const { actions, request } = detail;
  const [error, setError] = useState<ApiError | undefined>();
  const [cancelReason, setCancelReason] = useState('');
  const none = actions.signAs.length === 0 && !actions.execute && !actions.cancel;
  const run = async (work: () => Promise<unknown>, text: string) => {
    setError(undefined);
    try {
      await work();
      onDone(text);
    } catch (cause) {
      setError(asApiError(cause));
    }
  };
  const path = { id: request.id };
  return (
    <section aria-labelledby="actions-heading">
      <h3 id="actions-heading">Your actions</h3>
      {none && <p className="muted">There is nothing you may do on this request now.</p>}
      {error && <ErrorMessage error={error} />}
      {actions.execute && (
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() =>
              run(() => api.post('/api/v1/requests/{id}/execute', { path }), 'Executed.')
            }
          >
            Execute {request.from} → {request.to}
          </button>
        </div>
      )}
      {actions.cancel && (
        <form
          className="actions"
          aria-label="Cancel request"
          onSubmit={(event) => {
            event.preventDefault();
            run(
              () =>
                api.post('/api/v1/requests/{id}/cancel', { path, body: { reason: cancelReason } }),
              'Cancelled.',
            );
          }}
        >
          <div className="field">
            <label htmlFor="cancel-reason">Reason to cancel</label>
            <input
              id="cancel-reason"
              value={cancelReason}
              onChange={(e) => setCancelReason(e.target.value)}
            />
          </div>
          <button type="submit" className="danger">
            Cancel request
          </button>
        </form>
      )}
      {actions.signAs.length > 0 && (
        <SignOffForm
          requestId={request.id}
          roles={actions.signAs}
          kind={detail.status.basis === 'post_incident_review' ? 'review' : 'approval'}
          onDone={onDone}
        />
      )}
    </section>
  );
}

function Timeline({
  detail,
  decisionAt,
}: {
  detail: RequestDetail;
  decisionAt?: string | undefined;
}) {
  const { request, approvals } = detail;
  const events = [
    {
      at: request.requestedAt,
      text: `Requested by ${request.requestedBy}: ${request.reason ?? ''}`,
    },
    ...(decisionAt ? [{ at: decisionAt, text: 'Gates evaluated' }] : []),
    ...approvals.map((a) => ({
      at: a.at,
      text: `${a.decision === 'approve' ? 'Approved' : 'Rejected'} by ${a.approver} as ${a.role.replaceAll('_', ' ')}${a.ticket ? ` (${a.ticket})` : ''}`,
    })),
    ...closedEvent(request as Record<string, unknown>),
  ].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  return (
    <section aria-labelledby="timeline-heading">
      <h3 id="timeline-heading">Timeline</h3>
      <ol className="timeline">
        {events.map((event) => (
          <li key={`${event.at}-${event.text}`}>
            <time dateTime={event.at}>{formatTime(event.at)}</time> {event.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

function closedEvent(request: Record<string, unknown>): { at: string; text: string }[] {
  const at = request.closedAt;
  if (typeof at !== 'string') return [];
  const by = typeof request.closedBy === 'string' ? ` by ${request.closedBy}` : '';
  const why = typeof request.closeReason === 'string' ? `: ${request.closeReason}` : '';
  return [{ at, text: `${String(request.status)}${by}${why}` }];
}
