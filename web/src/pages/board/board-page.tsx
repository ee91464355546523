import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function BoardPage() {
  return (
    <>
      <PageHeading title="Release board">Release board</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
