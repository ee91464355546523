import { useMemo, useState } from 'react';
import { useResource } from '../../api/use-resource';
import { roleName } from '../../app/format';
import { Loaded, PageHeading } from '../../app/page-state';
import { Link, useNavigate, useSearch } from '../../app/router';
import { useApi } from '../../app/session';
import { type BoardFilter, type BoardRow, loadBoard, stagesOf } from './load-board';

/** Every model as a row: its stage pipeline, canary, open requests and what needs attention. */
export function BoardPage() {
  const api = useApi();
  const search = useSearch();
  const filter: BoardFilter = {
    ...(search.get('team') ? { team: search.get('team') ?? '' } : {}),
    ...(search.get('tier') ? { tier: search.get('tier') ?? '' } : {}),
    waitingForMe: search.get('mine') === '1',
  };
  const key = `${filter.team ?? ''}\u0000${filter.tier ?? ''}\u0000${filter.waitingForMe}`;
  const board = useResource(() => loadBoard(api, { filter }), [api, key]);
  return (
    <>
      <PageHeading title="Release board">Release board</PageHeading>
      <Loaded resource={board}>
        {(first) => <Board key={key} first={first} filter={filter} />}
      </Loaded>
    </>
  );
}

function Board(props: { first: { rows: BoardRow[]; next: string | null }; filter: BoardFilter }) {
  const { filter } = props;
  const api = useApi();
  const search = useSearch();
  const navigate = useNavigate();
  const [pages, setPages] = useState(props.first);
  // A new first page (the filter changed) replaces the pages shown so far.
  const [shownFirst, setShownFirst] = useState(props.first);
  if (shownFirst !== props.first) {
    setShownFirst(props.first);
    setPages(props.first);
  }
  const [loadingMore, setLoadingMore] = useState(false);
  const rows = pages.rows;
  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    const query = next.toString();
    navigate(query ? `/?${query}` : '/', { replace: true });
  };
  const showMore = async () => {
    if (!pages.next) return;
    setLoadingMore(true);
    try {
      const more = await loadBoard(api, { filter, after: pages.next });
      setPages({ rows: [...pages.rows, ...more.rows], next: more.next });
    } finally {
      setLoadingMore(false);
    }
  };
  // The server filters; the choices are the values on the board so far, and the one chosen.
  const teams = useMemo(
    () => unique([...rows.map((r) => r.model.ownerTeam), ...(filter.team ? [filter.team] : [])]),
    [rows, filter.team],
  );
  const tiers = useMemo(
    () => unique([...rows.map((r) => r.model.riskTier), ...(filter.tier ? [filter.tier] : [])]),
    [rows, filter.tier],
  );
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
        {rows.length} model{rows.length === 1 ? '' : 's'}
        {pages.next ? ' so far' : ''}
      </p>
      {rows.length === 0 ? (
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
            {rows.map((row) => (
              <ModelRow key={row.model.name} row={row} />
            ))}
          </tbody>
        </table>
      )}
      {pages.next && (
        <button type="button" onClick={showMore} disabled={loadingMore}>
          {loadingMore ? 'Loading more models…' : 'Show more models'}
        </button>
      )}
    </>
  );
}

function ModelRow({ row }: { row: BoardRow }) {
  const { model, versions, canary, open } = row;
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
                      {stage === 'production' && canary?.version === v.version && (
                        <>
                          {' '}
                          <CanaryBadge traffic={canary.traffic} rolloutId={canary.rolloutId} />
                        </>
                      )}
                    </div>
                  ))
                )}
                {stage === 'production' &&
                  canary &&
                  !here.some((v) => v.version === canary.version) && (
                    <div>
                      <Link to={versionLink(canary.version)}>{canary.version}</Link>{' '}
                      <CanaryBadge traffic={canary.traffic} rolloutId={canary.rolloutId} />
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
