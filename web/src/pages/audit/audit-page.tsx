/**
 * The audit explorer: the log with filters (model, actor, action, time), an entry's inclusion
 * proof checked in the browser, and the whole log verified in the browser against a pinned key.
 */
import { Fragment, useMemo, useState } from 'react';
import { useResource } from '../../api/use-resource';
import { Loaded, PageHeading } from '../../app/page-state';
import { useApi } from '../../app/session';
import { formatDate } from '../../lib/format.js';
import {
  type AuditFilter,
  type EntryView,
  fetchAllEntries,
  filterEntries,
  noFilter,
} from './audit-data';
import { EntryProof } from './entry-proof';
import { VerifyPanel } from './verify-panel';

const shown = 500;

export function AuditPage() {
  const api = useApi();
  const entries = useResource(() => fetchAllEntries(api), [api]);
  const [filter, setFilter] = useState<AuditFilter>(noFilter);
  const [open, setOpen] = useState<number | undefined>();
  const [bad, setBad] = useState<number | undefined>();
  return (
    <>
      <PageHeading title="Audit log">Audit log</PageHeading>
      <VerifyPanel
        onBadEntry={(seq) => {
          setBad(seq);
          setFilter(noFilter);
        }}
      />
      <section aria-labelledby="entries-heading">
        <h2 id="entries-heading">Entries</h2>
        <Filters filter={filter} onChange={setFilter} />
        <Loaded resource={entries}>
          {(all) => (
            <EntryTable
              entries={all.map((e) => e.entry as EntryView)}
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
  entries: EntryView[];
  filter: AuditFilter;
  open: number | undefined;
  bad: number | undefined;
  onToggle(seq: number): void;
}) {
  const matching = useMemo(
    () => filterEntries(props.entries, props.filter).reverse(),
    [props.entries, props.filter],
  );
  return (
    <>
      <p className="muted" aria-live="polite">
        {matching.length} of {props.entries.length} entries
        {matching.length > shown ? `; the newest ${shown} are shown` : ''}.
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
          {matching.slice(0, shown).map((e) => (
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
    </>
  );
}
