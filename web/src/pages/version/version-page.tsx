import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function VersionPage() {
  return (
    <>
      <PageHeading title="Version">Version</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
