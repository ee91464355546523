/**
 * The policy view: the policy governing a model as "who must do what for each transition", its
 * YAML and digest, and a dry run — pick a version and a transition, see which gates would pass
 * on its evidence now (POST …/dry-run, which stores nothing).
 */
import { type FormEvent, useState } from 'react';
import type { ApiError, Paths } from '../../api/client';
import { asApiError, useResource } from '../../api/use-resource';
import { ErrorMessage, Loaded, PageHeading } from '../../app/page-state';
import { useParams } from '../../app/router';
import { useApi } from '../../app/session';
import { shortDigest } from '../../lib/format.js';

type PolicyView =
  Paths['/api/v1/models/{name}/policy']['get']['responses'][200]['content']['application/json'];
type DryRun =
  Paths['/api/v1/models/{name}/versions/{version}/dry-run']['post']['responses'][200]['content']['application/json'];

interface TransitionRules {
  from: string;
  to: string;
  requestedBy: string[];
  gates: { id: string; type: string }[];
  approvals: { role: string; count: number }[];
  documents?: string[];
  separationOfDuties?: { requesterMayApprove?: boolean; minDistinctApprovers?: number };
  ticket?: { required?: boolean; pattern?: string };
  rollout?: unknown;
}

export function PolicyPage() {
  const { name = '' } = useParams();
  const api = useApi();
  const data = useResource(
    async () => ({
      policy: await api.get('/api/v1/models/{name}/policy', { path: { name } }),
      versions: await api.get('/api/v1/models/{name}/versions', { path: { name } }),
    }),
    [api, name],
  );
  return (
    <>
      <PageHeading title={`Policy of ${name}`}>Policy of {name}</PageHeading>
      <Loaded resource={data}>
        {({ policy, versions }) => (
          <>
            <p>
              Policy <strong>{policy.name}</strong> (risk tier {policy.riskTier}), digest{' '}
              <code className="digest" title={policy.digest}>
                {shortDigest(policy.digest)}
              </code>
              .
            </p>
            <h2>Who must do what, per transition</h2>
            {(policy.transitions as unknown as TransitionRules[]).map((t) => (
              <TransitionCard key={`${t.from}-${t.to}`} rules={t} />
            ))}
            <DryRunForm
              model={name}
              policy={policy}
              versions={versions.map((v) => ({ version: v.version, state: String(v.state) }))}
            />
            <h2>YAML</h2>
            <details>
              <summary>
                Show the policy as registered ({policy.text.split('\n').length} lines)
              </summary>
              <pre className="yaml">
                <code>{policy.text}</code>
              </pre>
            </details>
          </>
        )}
      </Loaded>
    </>
  );
}

function TransitionCard({ rules }: { rules: TransitionRules }) {
  const sod = rules.separationOfDuties;
  return (
    <section className="card" aria-label={`${rules.from} to ${rules.to}`}>
      <h3>
        {rules.from} → {rules.to}
      </h3>
      <ul>
        <li>
          <strong>Requested by:</strong> {rules.requestedBy.join(' or ') || 'nobody'}
        </li>
        <li>
          <strong>Gates that must pass:</strong>{' '}
          {rules.gates.length === 0
            ? 'none'
            : rules.gates.map((g) => `${g.id} (${g.type})`).join(', ')}
        </li>
        <li>
          <strong>Sign-offs:</strong>{' '}
          {rules.approvals.length === 0
            ? 'none'
            : rules.approvals.map((a) => `${a.count} × ${a.role}`).join(', ')}
          {sod?.requesterMayApprove === false ? '; the requester may not sign' : ''}
          {sod?.minDistinctApprovers && sod.minDistinctApprovers > 1
            ? `; at least ${sod.minDistinctApprovers} different people`
            : ''}
        </li>
        {rules.documents && rules.documents.length > 0 && (
          <li>
            <strong>Documents:</strong> {rules.documents.join(', ')}
          </li>
        )}
        {rules.ticket?.required && (
          <li>
            <strong>Ticket:</strong> required
            {rules.ticket.pattern ? `, matching ${rules.ticket.pattern}` : ''}
          </li>
        )}
        {rules.rollout !== undefined && (
          <li>
            <strong>Rollout:</strong> runs as a canary with rollback triggers
          </li>
        )}
      </ul>
    </section>
  );
}

function DryRunForm(props: {
  model: string;
  policy: PolicyView;
  versions: { version: string; state: string }[];
}) {
  const api = useApi();
  const [version, setVersion] = useState(props.versions.at(-1)?.version ?? '');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<DryRun | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const state = props.versions.find((v) => v.version === version)?.state;
  const targets = (props.policy.transitions as unknown as TransitionRules[])
    .filter((t) => t.from === state)
    .map((t) => t.to);
  async function run(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      setResult(
        await api.post('/api/v1/models/{name}/versions/{version}/dry-run', {
          path: { name: props.model, version },
          body: { to: to || targets[0] || '' },
        }),
      );
    } catch (cause) {
      setError(asApiError(cause));
    }
  }
  return (
    <section aria-labelledby="dry-run-heading" className="panel">
      <h2 id="dry-run-heading">Dry run</h2>
      <p className="muted">
        Evaluates the gates on the version's evidence as stored now. Nothing is recorded.
      </p>
      <form className="filters" onSubmit={run}>
        <div className="field">
          <label htmlFor="dry-version">Version</label>
          <select id="dry-version" value={version} onChange={(e) => setVersion(e.target.value)}>
            {props.versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} ({v.state})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="dry-to">Transition</label>
          <select
            id="dry-to"
            value={to || targets[0] || ''}
            onChange={(e) => setTo(e.target.value)}
          >
            {targets.length === 0 && (
              <option value="">No transition from {state ?? 'this state'}</option>
            )}
            {targets.map((t) => (
              <option key={t} value={t}>
                {state} → {t}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <button type="submit" className="primary" disabled={targets.length === 0}>
            Run the gates
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && <ErrorMessage error={error} />}
        {result && <DryRunResult result={result} />}
      </div>
    </section>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  return (
    <>
      <p role="status">
        <span className={`badge ${result.outcome === 'pass' ? 'badge-pass' : 'badge-fail'}`}>
          {result.outcome === 'pass' ? 'gates would pass' : 'gates would block'}
        </span>{' '}
        {result.model} {result.version}: {result.from} → {result.to}
        {result.baselineVersion ? `, compared with ${result.baselineVersion} in production` : ''}.
        Still needed:{' '}
        {result.approvals.map((a) => `${a.count} × ${a.role}`).join(', ') || 'no sign-off'}.
      </p>
      <table>
        <caption>Gates</caption>
        <thead>
          <tr>
            <th scope="col">Gate</th>
            <th scope="col">Outcome</th>
            <th scope="col">Observed</th>
            <th scope="col">Threshold</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {result.gates.map((g) => (
            <tr key={g.gateId}>
              <td>
                {g.gateId} <span className="muted">({g.type})</span>
              </td>
              <td>
                <span className={`badge ${g.outcome === 'pass' ? 'badge-pass' : 'badge-fail'}`}>
                  {g.outcome}
                </span>
              </td>
              <td>{g.observed === null ? '—' : String(g.observed)}</td>
              <td>{g.threshold}</td>
              <td>{g.explanation}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
