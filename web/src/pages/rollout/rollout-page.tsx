import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function RolloutPage() {
  return (
    <>
      <PageHeading title="Rollout">Rollout</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
