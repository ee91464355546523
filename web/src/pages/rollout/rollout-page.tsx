/**
 * The rollout page: state and traffic, each trigger's KPI over time (candidate, control,
 * threshold, breached windows shaded), the windows that breached, the state changes, and the
 * manual actions the signed-in person may take now (the server says which).
 */
import { useState } from 'react';
import type { ApiError } from '../../api/client';
import { asApiError, useResource } from '../../api/use-resource';
import { ErrorMessage, Loaded, PageHeading } from '../../app/page-state';
import { Link, useParams } from '../../app/router';
import { useApi } from '../../app/session';
import { KpiChart } from '../../charts/kpi-chart';
import { formatDate, formatNumber } from '../../lib/format.js';
import { kpiSeries } from './kpi-series';

type Action = 'pause' | 'resume' | 'abort' | 'promote';
const labels: Record<Action, string> = {
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort (roll back)',
  promote: 'Promote now',
};

export function RolloutPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const data = useResource(
    async () => ({
      rollout: await api.get('/api/v1/rollouts/{id}', { path: { id } }),
      timeline: await api.get('/api/v1/rollouts/{id}/timeline', { path: { id } }),
    }),
    [api, id],
  );
  return (
    <>
      <PageHeading title={`Rollout ${id}`}>Rollout</PageHeading>
      <Loaded resource={data}>
        {({ rollout, timeline }) => (
          <>
            <p>
              Canary of{' '}
              <Link
                to={`/models/${encodeURIComponent(rollout.model)}/versions/${encodeURIComponent(rollout.version)}`}
              >
                {rollout.model} {rollout.version}
              </Link>
              {rollout.controlVersion ? ` against ${rollout.controlVersion} (control)` : ''},
              started {formatDate(rollout.startedAt)} by {rollout.startedBy}.
            </p>
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <span className={`badge ${statusBadge(rollout.status)}`}>
                  {rollout.status.replace('_', ' ')}
                </span>
                {rollout.pausedBy
                  ? ` (${rollout.pausedBy === 'manual' ? 'paused by a person' : 'inconclusive data'})`
                  : ''}
              </dd>
              <dt>Candidate traffic</dt>
              <dd>{formatNumber(rollout.traffic)}%</dd>
              <dt>Step</dt>
              <dd>
                {rollout.step + 1} of {rollout.steps.length}
              </dd>
            </dl>
            <Actions id={id} actions={timeline.actions as Action[]} onDone={data.reload} />
            <h2>KPIs over time</h2>
            {kpiSeries(rollout.triggers, timeline.windows).map((series) => (
              <section key={series.metric} aria-label={`KPI ${series.metric}`}>
                <h3>{series.metric}</h3>
                {series.points.length === 0 ? (
                  <p className="muted">No window of {series.metric} decided yet.</p>
                ) : (
                  <KpiChart {...series} origin={Date.parse(rollout.startedAt)} />
                )}
              </section>
            ))}
            <Breaches windows={timeline.windows} />
            <h2>What happened</h2>
            <ol className="timeline">
              {timeline.events.map((e) => (
                <li key={e.seq}>
                  {formatDate(e.at)} — <code>{e.action}</code> by {e.actor}
                  {e.reason ? `: ${e.reason}` : ''}
                </li>
              ))}
            </ol>
          </>
        )}
      </Loaded>
    </>
  );
}

function statusBadge(status: string): string {
  if (status === 'completed') return 'badge-pass';
  if (status === 'rolled_back' || status === 'aborted') return 'badge-fail';
  if (status === 'paused') return 'badge-warn';
  return 'badge-info';
}

function Breaches({
  windows,
}: {
  windows: {
    seq: number;
    metric: string;
    verdict: string;
    explanation: string;
    window: { index: number };
  }[];
}) {
  const breached = windows.filter((w) => w.verdict === 'fail' || w.verdict === 'error');
  return (
    <>
      <h2>Windows that breached</h2>
      {breached.length === 0 ? (
        <p>No window breached.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Trigger</th>
              <th scope="col">Window</th>
              <th scope="col">Verdict</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {breached.map((w) => (
              <tr key={w.seq}>
                <td>{w.metric}</td>
                <td>#{w.window.index + 1}</td>
                <td>
                  <span className="badge badge-fail">{w.verdict}</span>
                </td>
                <td>{w.explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Actions(props: { id: string; actions: Action[]; onDone(): void }) {
  const api = useApi();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  if (props.actions.length === 0)
    return <p className="muted">There is nothing you can do on this rollout now.</p>;
  async function act(action: Action) {
    setBusy(true);
    setError(undefined);
    try {
      const body = reason.trim() === '' ? {} : { reason: reason.trim() };
      await api.post(`/api/v1/rollouts/{id}/${action}`, { path: { id: props.id }, body });
      props.onDone();
    } catch (cause) {
      setError(asApiError(cause));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="actions-heading" className="panel">
      <h2 id="actions-heading">Act on this rollout</h2>
      <div className="field">
        <label htmlFor="rollout-reason">Reason (required to abort)</label>
        <input id="rollout-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="button-row">
        {props.actions.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'abort' ? 'danger' : undefined}
            disabled={busy}
            onClick={() => act(action)}
          >
            {labels[action]}
          </button>
        ))}
      </div>
      {error && <ErrorMessage error={error} />}
    </section>
  );
}
