import type { Paths } from '../../api/client';
import { formatTime, roleName } from '../format';

export type RequestDetail =
  Paths['/api/v1/requests/{id}']['get']['responses'][200]['content']['application/json'];

const stale: Record<string, string> = {
  evidence_changed: 'the evidence changed after it was given',
  policy_changed: 'the policy changed after it was given',
  baseline_changed: 'the production (baseline) evidence changed after it was given',
  baseline_unbound: 'it predates approvals bound to the baseline evidence',
  expired: 'it expired',
};

interface Ignored {
  approval: { approver: string; role: string; at?: string };
  why: string;
}

function ignoredOf(status: RequestDetail['status']): Ignored[] {
  const ignored = (status as { ignored?: unknown }).ignored;
  return Array.isArray(ignored) ? (ignored as Ignored[]) : [];
}

/** Which sign-offs are in, which no longer count (and why), and which are still required. */
export function SignOffStatus({ detail }: { detail: RequestDetail }) {
  const { status, approvals } = detail;
  const ignored = ignoredOf(status);
  const changed = ignored.filter((i) => stale[i.why]);
  const missing = status.missing ?? [];
  return (
    <div>
      {changed.map((item) => (
        <p
          key={`${item.approval.approver}-${item.approval.role}`}
          className="notice notice-warning"
        >
          The sign-off of <strong>{item.approval.approver}</strong> as{' '}
          {roleName(item.approval.role)} no longer counts: {stale[item.why]}. They must sign again.
        </p>
      ))}
      <h3>Sign-offs so far</h3>
      {approvals.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="plain">
          {approvals.map((a) => {
            const notCounted = ignored.find(
              (i) => i.approval.approver === a.approver && i.approval.role === a.role,
            );
            return (
              <li key={a.id}>
                <span className={`badge ${a.decision === 'approve' ? 'badge-pass' : 'badge-fail'}`}>
                  {a.decision === 'approve' ? 'Approved' : 'Rejected'}
                </span>{' '}
                <strong>{a.approver}</strong> as {roleName(a.role)}, {formatTime(a.at)}
                {a.ticket ? ` · ${a.ticket}` : ''}
                {a.riskClass ? ` · risk ${a.riskClass}` : ''}
                {notCounted && (
                  <span className="badge badge-warn">
                    not counted: {stale[notCounted.why] ?? notCounted.why.replaceAll('_', ' ')}
                  </span>
                )}
                {a.comment && <div className="muted">“{a.comment}”</div>}
              </li>
            );
          })}
        </ul>
      )}
      <h3>Still required</h3>
      {missing.length === 0 ? (
        <p>All required sign-offs are in.</p>
      ) : (
        <ul className="plain" aria-label="Sign-offs still required">
          {missing.map((m) => (
            <li key={m.role}>
              {roleName(m.role)}
              {m.needed && m.needed > 1 ? ` ×${m.needed}` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
