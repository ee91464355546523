/**
 * The audit explorer: the log with filters (model, actor, action, time), an entry's inclusion
 * proof checked in the browser, and the whole log verified in the browser against a pinned key.
 */
import { Fragment, useState } from 'react';
import { useResource } from '../../api/use-resource';
import { Loaded, PageHeading } from '../../app/page-state';
import { useApi } from '../../app/session';
import { formatDate } from '../../lib/format.js';
import { type AuditFilter, type EntryView, fetchEntryPage, noFilter } from './audit-data';
import { EntryProof } from './entry-proof';
import { VerifyPanel } from './verify-panel';

export function AuditPage() {
  const api = useApi();
  const [filter, setFilter] = useState<AuditFilter>(noFilter);
  /** After a failed verification, the page starts at the first bad entry. */
  const [from, setFrom] = useState<number | undefined>();
  const key = JSON.stringify([filter, from]);
  // The server filters; a changed filter reads its first page again (stale answers are dropped).
  const first = useResource(
    () => fetchEntryPage(api, { filter, ...(from === undefined ? {} : { before: from + 1 }) }),
    [api, key],
  );
  const [open, setOpen] = useState<number | undefined>();
  const [bad, setBad] = useState<number | undefined>();
  return (
    <>
      <PageHeading title="Audit log">Audit log</PageHeading>
      <VerifyPanel
        onBadEntry={(seq) => {
          setBad(seq);
          setFilter(noFilter);
          setFrom(seq);
        }}
      />
      <section aria-labelledby="entries-heading">
        <h2 id="entries-heading">Entries</h2>
        <Filters
          filter={filter}
          onChange={(next) => {
            setFilter(next);
            setFrom(undefined);
          }}
        />
        <Loaded resource={first}>
          {(page) => (
            <EntryTable
              key={key}
              first={page}
              filter={filter}
              open={open}
              bad={bad}
              onToggle={(seq) => setOpen(open === seq ? undefined : seq)}
            />
          )}
        </Loaded>
      </section>
    </>
  );
}

function Filters({ filter, onChange }: { filter: AuditFilter; onChange(f: AuditFilter): void }) {
  const field = (name: keyof AuditFilter, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <input
        id={`filter-${name}`}
        type={type}
        value={filter[name]}
        onChange={(e) => onChange({ ...filter, [name]: e.target.value })}
      />
    </div>
  );
  return (
    <search className="filters" aria-label="Filter entries">
      {field('model', 'Model')}
      {field('actor', 'Actor')}
      {field('action', 'Action')}
      {field('from', 'From (UTC day)', 'date')}
      {field('to', 'To (UTC day)', 'date')}
    </search>
  );
}

function EntryTable(props: {
  first: { size: number; entries: EntryView[]; next: number | null };
  filter: AuditFilter;
  open: number | undefined;
  bad: number | undefined;
  onToggle(seq: number): void;
}) {
  const api = useApi();
  const [pages, setPages] = useState(props.first);
  // A new first page (the filter changed) replaces the pages shown so far.
  const [shownFirst, setShownFirst] = useState(props.first);
  if (shownFirst !== props.first) {
    setShownFirst(props.first);
    setPages(props.first);
  }
  const [loading, setLoading] = useState(false);
  const showOlder = async () => {
    if (pages.next === null) return;
    setLoading(true);
    try {
      const older = await fetchEntryPage(api, { filter: props.filter, before: pages.next });
      setPages({ ...older, entries: [...pages.entries, ...older.entries] });
    } finally {
      setLoading(false);
    }
  };
  const matching = pages.entries;
  return (
    <>
      <p className="muted" aria-live="polite">
        {matching.length} entr{matching.length === 1 ? 'y' : 'ies'} of {props.first.size} in the log
        {pages.next === null ? '' : ', newest first; older ones below'}.
      </p>
      <table>
        <caption className="visually-hidden">Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Seq</th>
            <th scope="col">Time</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Subject</th>
            <th scope="col">Reason</th>
            <th scope="col">Proof</th>
          </tr>
        </thead>
        <tbody>
          {matching.map((e) => (
            <Fragment key={e.seq}>
              <tr className={props.bad === e.seq ? 'row-bad' : undefined}>
                <td>
                  {e.seq}
                  {props.bad === e.seq && (
                    <span className="badge badge-fail"> first bad entry</span>
                  )}
                </td>
                <td>{formatDate(e.time)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.actor.id}</td>
                <td>
                  {e.subject.type} {e.subject.id}
                </td>
                <td>{e.reason ?? ''}</td>
                <td>
                  <button
                    type="button"
                    aria-expanded={props.open === e.seq}
                    aria-controls={`proof-${e.seq}`}
                    onClick={() => props.onToggle(e.seq)}
                  >
                    Inclusion proof<span className="visually-hidden"> of entry {e.seq}</span>
                  </button>
                </td>
              </tr>
              {props.open === e.seq && (
                <tr id={`proof-${e.seq}`}>
                  <td colSpan={7}>
                    <EntryProof seq={e.seq} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {pages.next !== null && (
        <button type="button" onClick={showOlder} disabled={loading}>
          {loading ? 'Loading older entries…' : 'Show older entries'}
        </button>
      )}
    </>
  );
}
