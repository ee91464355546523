import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function AuditPage() {
  return (
    <>
      <PageHeading title="Audit log">Audit log</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
