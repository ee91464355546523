import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function InboxPage() {
  return (
    <>
      <PageHeading title="Approvals inbox">Approvals inbox</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
