import { useMemo } from 'react';
import { useResource } from '../../api/use-resource';
import { roleName } from '../../app/format';
import { Loaded, PageHeading } from '../../app/page-state';
import { Link, useNavigate, useSearch } from '../../app/router';
import { useApi } from '../../app/session';
import { type BoardRow, filterBoard, loadBoard, stagesOf } from './load-board';

/** Every model as a row: its stage pipeline, canary, open requests and what needs attention. */
export function BoardPage() {
  const api = useApi();
  const board = useResource(() => loadBoard(api), [api]);
  return (
    <>
      <PageHeading title="Release board">Release board</PageHeading>
      <Loaded resource={board}>{(rows) => <Board rows={rows} />}</Loaded>
    </>
  );
}

function Board({ rows }: { rows: BoardRow[] }) {
  const search = useSearch();
  const navigate = useNavigate();
  const filter = {
    ...(search.get('team') ? { team: search.get('team') ?? '' } : {}),
    ...(search.get('tier') ? { tier: search.get('tier') ?? '' } : {}),
    waitingForMe: search.get('mine') === '1',
  };
  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const query = next.toString();
    navigate(query ? `/?${query}` : '/', { replace: true });
  };
  const teams = useMemo(() => unique(rows.map((r) => r.model.ownerTeam)), [rows]);
  const tiers = useMemo(() => unique(rows.map((r) => r.model.riskTier)), [rows]);
  const shown = filterBoard(rows, filter);
  return (
    <>
      <form className="filters" aria-label="Filter models" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="filter-team">Team</label>
          <select
            id="filter-team"
            value={filter.team ?? ''}
            onChange={(e) => setFilter('team', e.target.value)}
          >
            <option value="">All teams</option>
            {teams.map((team) => (
              <option key={team}>{team}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-tier">Risk tier</label>
          <select
            id="filter-tier"
            value={filter.tier ?? ''}
            onChange={(e) => setFilter('tier', e.target.value)}
          >
            <option value="">All tiers</option>
            {tiers.map((tier) => (
              <option key={tier}>{tier}</option>
            ))}
          </select>
        </div>
        <div className="field check">
          <input
            id="filter-mine"
            type="checkbox"
            checked={filter.waitingForMe}
            onChange={(e) => setFilter('mine', e.target.checked ? '1' : undefined)}
          />
          <label htmlFor="filter-mine">Waiting for me</label>
        </div>
      </form>
      <p className="muted" aria-live="polite">
        {shown.length} of {rows.length} models
      </p>
      {shown.length === 0 ? (
        <p>No model matches these filters.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Models and their release stages</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Stages</th>
              <th scope="col">Open requests</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <ModelRow key={row.model.name} row={row} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ModelRow({ row }: { row: BoardRow }) {
  const { model, versions, serving, open } = row;
  const versionLink = (version: string) =>
    `/models/${encodeURIComponent(model.name)}/versions/${encodeURIComponent(version)}`;
  return (
    <tr>
      <th scope="row">
        <div>{model.name}</div>
        <div className="muted">
          {model.ownerTeam} · {model.riskTier}
        </div>
        <Link to={`/models/${encodeURIComponent(model.name)}/policy`}>Policy</Link>
        {row.overdueReviews > 0 && (
          <div>
            <span className="badge badge-fail">
              {row.overdueReviews} overdue review{row.overdueReviews === 1 ? '' : 's'}
            </span>
          </div>
        )}
      </th>
      <td>
        <ol className="pipeline" aria-label={`Stages of ${model.name}`}>
          {stagesOf(versions).map((stage) => {
            const here = versions.filter((v) => v.state === stage);
            return (
              <li key={stage}>
                <span className="stage">{stage}</span>
                {here.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  here.map((v) => (
                    <div key={v.version}>
                      <Link to={versionLink(v.version)}>{v.version}</Link>
                      {stage === 'production' && serving.canary?.version === v.version && (
                        <>
                          {' '}
                          <CanaryBadge
                            traffic={serving.canary.traffic}
                            rolloutId={serving.canary.rolloutId}
                          />
                        </>
                      )}
                    </div>
                  ))
                )}
                {stage === 'production' &&
                  serving.canary &&
                  !here.some((v) => v.version === serving.canary?.version) && (
                    <div>
                      <Link to={versionLink(serving.canary.version)}>{serving.canary.version}</Link>{' '}
                      <CanaryBadge
                        traffic={serving.canary.traffic}
                        rolloutId={serving.canary.rolloutId}
                      />
                    </div>
                  )}
              </li>
            );
          })}
        </ol>
      </td>
      <td>
        {open.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          <ul className="plain">
            {open.map(({ request, failedGates, waitingForMe }) => (
              <li key={request.id}>
                <Link to={versionLink(request.version)}>
                  {request.version} → {request.to}
                </Link>{' '}
                <span className="muted">({request.status})</span>{' '}
                {failedGates.length > 0 && (
                  <span className="badge badge-fail">Gate failed: {failedGates.join(', ')}</span>
                )}{' '}
                {waitingForMe.length > 0 && (
                  <span className="badge badge-info">
                    Waiting for you as {waitingForMe.map(roleName).join(', ')}
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

function CanaryBadge({ traffic, rolloutId }: { traffic: number; rolloutId?: string | undefined }) {
  const badge = <span className="badge badge-warn">canary {traffic}%</span>;
  if (!rolloutId) return badge;
  return (
    <Link
      to={`/rollouts/${encodeURIComponent(rolloutId)}`}
      aria-label={`Rollout: canary at ${traffic}% traffic`}
    >
      {badge}
    </Link>
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
