/**
 * A list of versions rendered to JSON the way the route's schema serialiser renders it, byte for
 * byte, for a fraction of the cost: a version's own fields never change (the `versions` table is
 * append-only), so their JSON is rendered once per server and reused, and only the state and its
 * time are written per reply. The ETag is computed from what the body is made of (the model, and
 * each version's name, state and time) instead of hashing the rendered body.
 */
import { hash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { VersionView } from '../domain/index.js';
import { versionOwnProperties } from './record-schemas.js';

/** How many versions' JSON one server keeps (~5 MB). */
const defaultCapacity = 16_384;

const ownSchema = {
  type: 'object',
  additionalProperties: true,
  properties: versionOwnProperties,
} as const;

/** Renders lists of versions; one per server, so its memory of versions is that server's. */
export interface VersionListRenderer {
  /** The JSON array of `versions`, as the `Version` schema serialises it. */
  json(reply: FastifyReply, versions: readonly VersionView[]): string;
  /**
   * A weak ETag that changes whenever `json` of the same list would: the body is fixed by the
   * model, and by each version's name (its own fields never change), state and state time.
   */
  etag(model: string, versions: readonly VersionView[]): string;
}

export function versionListRenderer(capacity = defaultCapacity): VersionListRenderer {
  // `{"model":…,"createdBy":"…"` (no closing brace) by model and version name.
  const rendered = new Map<string, string>();
  function own(reply: FastifyReply, view: VersionView): string {
    const key = `${view.model}\u0000${view.version}`;
    const known = rendered.get(key);
    if (known !== undefined) return known;
    const { state: _state, stateSince: _since, ...version } = view;
    const text = reply.compileSerializationSchema(ownSchema)(version).slice(0, -1);
    rendered.set(key, text);
    // Oldest first: insertion order is the eviction order.
    if (rendered.size > capacity) {
      const oldest = rendered.keys().next().value;
      if (oldest !== undefined) rendered.delete(oldest);
    }
    return text;
  }
  return {
    json(reply, versions) {
      const parts = versions.map(
        (view) =>
          `${own(reply, view)},"state":${JSON.stringify(view.state)},"stateSince":${JSON.stringify(view.stateSince)}}`,
      );
      return `[${parts.join(',')}]`;
    },
    etag(model, versions) {
      // JSON strings side by side: quoted, so no two different lists give the same text.
      let text = JSON.stringify(model);
      for (const view of versions) {
        text += `,${JSON.stringify(view.version)},${JSON.stringify(view.state)},${JSON.stringify(view.stateSince)}`;
      }
      return `W/"${hash('sha256', text, 'base64url').slice(0, 27)}"`;
    },
  };
}
