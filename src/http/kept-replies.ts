/**
 * Answers of values the app keeps in memory: `readCache` hands out the same frozen object for as
 * long as nothing commits, so its body and ETag are the same too. They are made once per kept
 * value — serialised by the route's own response schema, the ETag hashed from that body and the
 * headers set with it (a page's `Link`) — and sent as they are, instead of serialising and
 * hashing on every request. Anything else (a fresh object) goes the usual way: Fastify serialises
 * it and the onSend hook hashes it.
 */
import type { FastifyReply } from 'fastify';
import { keptHeadersOf, weakEtag } from './http-hooks.js';

const json = 'application/json; charset=utf-8';

/** One per route: the body and ETag of each kept value it answered, while the value lives. */
export function keptReplies(): <T extends object>(
  reply: FastifyReply,
  value: T,
) => T | FastifyReply {
  const answers = new WeakMap<object, { body: string; etag: string; headers?: string }>();
  return (reply, value) => {
    if (!Object.isFrozen(value)) return value;
    const headers = keptHeadersOf(reply);
    let answer = answers.get(value);
    if (answer === undefined) {
      const serialize = reply.getSerializationFunction('200');
      if (serialize === undefined) return value;
      const body = serialize(value as Record<string, unknown>);
      answer = {
        body,
        etag: weakEtag(body, headers),
        ...(headers === undefined ? {} : { headers }),
      };
      answers.set(value, answer);
    } else if (answer.headers !== headers) {
      // A route sends one value with one set of headers (a page and its next link are one kept
      // value); were that to change, the ETag must follow.
      answer = { ...answer, etag: weakEtag(answer.body, headers) };
    }
    return reply.type(json).header('etag', answer.etag).send(answer.body);
  };
}
