import { type FormEvent, useId, useState } from 'react';
import type { ApiError } from '../../api/client';
import { asApiError } from '../../api/use-resource';
import { roleName } from '../format';
import { ErrorMessage } from '../page-state';
import { useApi } from '../session';

/**
 * Approve or reject a request in one of the caller's roles (POST …/approvals), or sign an executed
 * emergency change's post-incident review (POST …/reviews): comment, ticket and risk class.
 */
export function SignOffForm(props: {
  requestId: string;
  roles: readonly string[];
  kind: 'approval' | 'review';
  /** e.g. `^RISK-[0-9]+$` when the policy asks for a ticket. */
  ticketHint?: string;
  onDone(message: string): void;
}) {
  const api = useApi();
  const id = useId();
  const [decision, setDecision] = useState<'approve' | 'reject'>('approve');
  const [role, setRole] = useState(props.roles[0] ?? '');
  const [comment, setComment] = useState('');
  const [ticket, setTicket] = useState('');
  const [riskClass, setRiskClass] = useState<'low' | 'medium' | 'high'>('medium');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const common = { decision, role, comment, ...(ticket.trim() ? { ticket: ticket.trim() } : {}) };
    const path = { id: props.requestId };
    try {
      if (props.kind === 'approval') {
        await api.post('/api/v1/requests/{id}/approvals', {
          path,
          body: { ...common, riskClass },
        });
      } else {
        await api.post('/api/v1/requests/{id}/reviews', { path, body: common });
      }
      const verb = decision === 'approve' ? 'Approved' : 'Rejected';
      props.onDone(`${verb} as ${roleName(role)}.`);
    } catch (cause) {
      setError(asApiError(cause));
    } finally {
      setBusy(false);
    }
  };
  const title = props.kind === 'approval' ? 'Sign off' : 'Post-incident review';
  return (
    <form onSubmit={submit} aria-label={title} className="card sign-off">
      <fieldset>
        <legend>Decision</legend>
        <label>
          <input
            type="radio"
            name={`${id}-decision`}
            checked={decision === 'approve'}
            onChange={() => setDecision('approve')}
          />{' '}
          Approve
        </label>{' '}
        <label>
          <input
            type="radio"
            name={`${id}-decision`}
            checked={decision === 'reject'}
            onChange={() => setDecision('reject')}
          />{' '}
          Reject
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-role`}>Role</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
          {props.roles.map((r) => (
            <option key={r} value={r}>
              {roleName(r)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-comment`}>Comment</label>
        <textarea
          id={`${id}-comment`}
          rows={3}
          required
          value={comment}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-ticket`}>Ticket</label>
        <input
          id={`${id}-ticket`}
          value={ticket}
          onChange={(e) => setTicket(e.target.value)}
          {...(props.ticketHint ? { placeholder: props.ticketHint } : {})}
        />
      </div>
      {props.kind === 'approval' && (
        <div className="field">
          <label htmlFor={`${id}-risk`}>Risk class of the change</label>
          <select
            id={`${id}-risk`}
            value={riskClass}
            onChange={(e) => setRiskClass(e.target.value as 'low' | 'medium' | 'high')}
          >
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
          </select>
        </div>
      )}
      {error && <ErrorMessage error={error} />}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Sending…' : decision === 'approve' ? 'Approve' : 'Reject'}
      </button>
    </form>
  );
}
