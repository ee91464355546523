import { useState } from 'react';
import type { ApiClient } from '../../api/client';
import { type GateResult, gatesOf } from '../../api/types';
import { useResource } from '../../api/use-resource';
import { formatAge, formatTime, roleName } from '../../app/format';
import { Loaded, PageHeading } from '../../app/page-state';
import { SignOffForm } from '../../app/parts/sign-off-form';
import { type RequestDetail, SignOffStatus } from '../../app/parts/sign-off-status';
import { Link } from '../../app/router';
import { useApi, useSession } from '../../app/session';

type Review = Awaited<ReturnType<typeof loadInbox>>['reviews'][number];

async function loadInbox(api: ApiClient, rolesOn: (model: string) => ReadonlySet<string>) {
  const [items, allReviews] = await Promise.all([
    api.get('/api/v1/inbox'),
    api.get('/api/v1/reviews', { query: { status: 'due' } }).catch(() => []),
  ]);
  const requests = await Promise.all(
    items.map(async (item) => {
      const decisionId = item.request.decisionId;
      const [detail, decision] = await Promise.all([
        api.get('/api/v1/requests/{id}', { path: { id: item.request.id } }),
        decisionId
          ? api.get('/api/v1/decisions/{id}', { path: { id: decisionId } }).catch(() => undefined)
          : undefined,
      ]);
      return {
        roles: item.roles,
        decideBy: item.decideBy,
        detail,
        gates: decision ? gatesOf(decision) : undefined,
      };
    }),
  );
  requests.sort((a, b) =>
    (a.detail.request.requestedAt ?? '').localeCompare(b.detail.request.requestedAt ?? ''),
  );
  // Reviews the caller can sign: a role still missing that they hold on the model.
  const reviews = allReviews
    .map((review) => ({
      review,
      roles: review.missing.map((m) => m.role).filter((r) => rolesOn(review.model).has(r)),
    }))
    .filter((entry) => entry.roles.length > 0)
    .sort((a, b) => (a.review.reviewDueAt ?? '').localeCompare(b.review.reviewDueAt ?? ''));
  return { requests, reviews };
}

/** Requests waiting for the caller's roles, oldest first, and post-incident reviews due. */
export function InboxPage() {
  const api = useApi();
  const { rolesOn } = useSession();
  const [done, setDone] = useState<string | undefined>();
  const inbox = useResource(() => loadInbox(api, rolesOn), [api, rolesOn, done]);
  return (
    <>
      <PageHeading title="Approvals inbox">Approvals inbox</PageHeading>
      {done && (
        <p role="status" className="notice notice-info">
          {done}
        </p>
      )}
      <Loaded resource={inbox}>
        {({ requests, reviews }) => (
          <>
            <h2>Requests waiting for you ({requests.length})</h2>
            {requests.length === 0 && <p>Nothing is waiting for your sign-off.</p>}
            <div className="cards">
              {requests.map(({ detail, roles, decideBy, gates }) => (
                <InboxRequest
                  key={detail.request.id}
                  detail={detail}
                  roles={roles}
                  decideBy={decideBy}
                  gates={gates}
                  onDone={setDone}
                />
              ))}
            </div>
            <h2>Post-incident reviews due ({reviews.length})</h2>
            {reviews.length === 0 && <p>No post-incident review is waiting for you.</p>}
            <div className="cards">
              {reviews.map(({ review, roles }) => (
                <InboxReview
                  key={review.requestId}
                  review={review}
                  roles={roles}
                  onDone={setDone}
                />
              ))}
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

/** The gates at request time: all passed, or each one that did not, with its explanation. */
function GateSummary({ gates }: { gates: GateResult[] | undefined }) {
  if (!gates) return <p className="muted">Gates: not evaluated.</p>;
  const failed = gates.filter((gate) => gate.outcome !== 'pass');
  if (failed.length === 0) {
    return (
      <p>
        <span className="badge badge-pass">Gates pass</span> all {gates.length} gates passed when
        requested.
      </p>
    );
  }
  return (
    <ul className="plain" aria-label="Gates that did not pass">
      {failed.map((gate) => (
        <li key={gate.gateId}>
          <span className="badge badge-fail">
            Gate {gate.gateId}: {gate.outcome}
          </span>{' '}
          {gate.explanation}
        </li>
      ))}
    </ul>
  );
}

function versionPath(model: string, version: string): string {
  return `/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`;
}

function InboxRequest(props: {
  detail: RequestDetail;
  decideBy: string;
  roles: string[];
  gates: GateResult[] | undefined;
  onDone(m: string): void;
}) {
  const { request } = props.detail;
  const headingId = `req-${request.id}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {request.model} {request.version}: {request.from} → {request.to}
      </h3>
      <dl className="facts">
        <dt>Requested by</dt>
        <dd>{request.requestedBy}</dd>
        <dt>Waiting since</dt>
        <dd>
          {formatTime(request.requestedAt)} ({formatAge(request.requestedAt)})
        </dd>
        <dt>Decide by</dt>
        <dd>{formatTime(props.decideBy)} (then it expires and must be requested again)</dd>
        <dt>Change type</dt>
        <dd>{request.changeType}</dd>
        <dt>Reason</dt>
        <dd>{request.reason ?? '—'}</dd>
        <dt>Ticket</dt>
        <dd>{request.ticket ?? '—'}</dd>
        <dt>You sign as</dt>
        <dd>{props.roles.map(roleName).join(', ')}</dd>
      </dl>
      <GateSummary gates={props.gates} />
      <p>
        <Link to={versionPath(request.model, request.version)}>
          Evidence, gates and timeline of {request.version}
        </Link>
      </p>
      <SignOffStatus detail={props.detail} />
      <SignOffForm
        requestId={request.id}
        roles={props.roles}
        kind="approval"
        onDone={(message) => props.onDone(`${request.model} ${request.version}: ${message}`)}
      />
    </section>
  );
}

function InboxReview(props: {
  review: Review['review'];
  roles: string[];
  onDone(m: string): void;
}) {
  const { review } = props;
  const headingId = `review-${review.requestId}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        Review of the emergency change to {review.model} {review.version}
      </h3>
      {review.reviewOverdue && <p className="notice notice-error">This review is overdue.</p>}
      <dl className="facts">
        <dt>Due</dt>
        <dd>
          {formatTime(review.reviewDueAt)} ({formatAge(review.reviewDueAt)})
        </dd>
        <dt>Gates bypassed</dt>
        <dd>{review.bypassedGates.join(', ') || '—'}</dd>
        <dt>Requested by</dt>
        <dd>{review.requestedBy}</dd>
        <dt>Still required</dt>
        <dd>{review.missing.map((m) => roleName(m.role)).join(', ')}</dd>
      </dl>
      <p>
        <Link to={versionPath(review.model, review.version)}>Version {review.version}</Link>
      </p>
      <SignOffForm
        requestId={review.requestId}
        roles={props.roles}
        kind="review"
        onDone={(message) =>
          props.onDone(`Review of ${review.model} ${review.version}: ${message}`)
        }
      />
    </section>
  );
}
