import { useState } from 'react';
import type { ApiClient } from '../../api/client';
import type { TransitionRequest } from '../../api/types';
import { useResource } from '../../api/use-resource';
import { formatTime, shortDigest } from '../../app/format';
import { Loaded, PageHeading } from '../../app/page-state';
import { Link, useNavigate, useParams, useSearch } from '../../app/router';
import { useApi } from '../../app/session';
import { EvidenceList } from './evidence-list';
import { RequestPanel } from './request-panel';

async function loadVersion(api: ApiClient, name: string, version: string) {
  const path = { name, version };
  const [found, evidence, requests] = await Promise.all([
    api.get('/api/v1/models/{name}/versions/{version}', { path }),
    api.get('/api/v1/models/{name}/versions/{version}/evidence', { path }),
    api.get('/api/v1/requests', { query: { model: name, version } }),
  ]);
  return { version: found, evidence, requests };
}

/** The request shown first: the newest open one, else the newest. */
function defaultRequest(requests: readonly TransitionRequest[]): string | undefined {
  const open = requests.filter((r) => r.status === 'pending' || r.status === 'approved');
  return (open.at(-1) ?? requests.at(-1))?.id;
}

/** A version: lineage, evidence, its requests with gates, plots, sign-offs and actions. */
export function VersionPage() {
  const api = useApi();
  const params = useParams();
  const name = params.name ?? '';
  const versionId = params.version ?? '';
  const search = useSearch();
  const navigate = useNavigate();
  const [changes, setChanges] = useState(0);
  const resource = useResource(
    () => loadVersion(api, name, versionId),
    [api, name, versionId, changes],
  );
  return (
    <>
      <PageHeading title={`${name} ${versionId}`}>
        {name} <span className="muted">version</span> {versionId}
      </PageHeading>
      <Loaded resource={resource}>
        {({ version, evidence, requests }) => {
          const selected = search.get('request') ?? defaultRequest(requests);
          const lineage = Object.entries(version.lineage ?? {});
          return (
            <>
              <p>
                State <span className="badge badge-info">{version.state}</span> since{' '}
                {formatTime(version.stateSince)} ·{' '}
                <Link to={`/models/${encodeURIComponent(name)}/policy`}>Policy of {name}</Link>
              </p>
              <h2>Lineage</h2>
              <dl className="facts">
                <dt>Artifact</dt>
                <dd>{version.artifactUri}</dd>
                <dt>Artifact digest</dt>
                <dd>
                  <code className="digest">{version.artifactDigest}</code>
                </dd>
                {lineage.map(([key, value]) => (
                  <FactRow key={key} name={key} value={value} />
                ))}
                <dt>Registered</dt>
                <dd>
                  {formatTime(version.createdAt)}
                  {version.createdBy ? ` by ${version.createdBy}` : ''}
                </dd>
              </dl>
              <h2>Evidence</h2>
              <EvidenceList model={name} version={versionId} evidence={evidence} />
              <h2>Transition requests</h2>
              {requests.length === 0 ? (
                <p>No transition has been requested for this version.</p>
              ) : (
                <div className="field">
                  <label htmlFor="request-select">Request</label>
                  <select
                    id="request-select"
                    value={selected}
                    onChange={(e) => navigate(`?request=${encodeURIComponent(e.target.value)}`)}
                  >
                    {requests.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.from} → {r.to}, {r.status}, {formatTime(r.requestedAt)}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              {selected && (
                <RequestPanel
                  key={selected}
                  requestId={selected}
                  onChanged={() => setChanges((n) => n + 1)}
                />
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}

function FactRow({ name, value }: { name: string; value: unknown }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const digestLike = /^sha256:/.test(text) || /^[0-9a-f]{40,}$/.test(text);
  return (
    <>
      <dt>{name}</dt>
      <dd>
        {digestLike ? (
          <code className="digest" title={text}>
            {text.startsWith('sha256:') ? shortDigest(text) : text}
          </code>
        ) : (
          text
        )}
      </dd>
    </>
  );
}
