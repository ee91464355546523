import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function PolicyPage() {
  return (
    <>
      <PageHeading title="Policy">Policy</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
