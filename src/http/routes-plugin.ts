/**
 * The type of every routes plugin: Fastify infers each handler's params, querystring, headers,
 * body and reply from the route's JSON schemas (json-schema-to-ts through
 * `@fastify/type-provider-json-schema-to-ts`), so a schema and its type cannot disagree. `$ref`s
 * name the record schemas (`Model#`, …), which `buildServer` adds by `$id`.
 */
import type { Readable } from 'node:stream';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from 'fastify';
import type { UseCases } from '../app/index.js';
import type { recordSchemas } from './record-schemas.js';

type References = [...typeof recordSchemas];

interface ReplyOptions {
  references: References;
  // A binary reply (the evidence pack) is streamed, never a string in memory.
  deserialize: [{ pattern: { type: 'string'; format: 'binary' }; output: Readable }];
}

/**
 * What a handler may send for a response schema. json-schema-to-ts types every object that does
 * not say `additionalProperties: false` with an index signature, which the app's interfaces lack;
 * for a reply, extra fields are harmless (the serializer writes the declared ones), so the index
 * signature is dropped and the declared fields are checked. Optional fields may be `undefined`
 * (the serializer skips them).
 */
type Replyable<T> = T extends Readable
  ? T
  : T extends readonly (infer Item)[]
    ? readonly Replyable<Item>[]
    : T extends object
      ? {
          [K in keyof T as string extends K ? never : K]: Record<never, never> extends Pick<T, K>
            ? Replyable<T[K]> | undefined
            : Replyable<T[K]>;
        }
      : T;

/** A `null` reply (204, 304) is no body at all. */
type ReplyBody<T> = [T] extends [null] ? undefined : Replyable<T>;

// Request schemas name no record schema, so their inference skips the references.
type RequestTypes = JsonSchemaToTsProvider;
type ReplyTypes = JsonSchemaToTsProvider<{ SerializerSchemaOptions: ReplyOptions }>;
// How Fastify calls a provider: the schema bound to `schema`, the type read off the other member.
type Inferred<
  Provider extends FastifyTypeProvider,
  Schema,
  Member extends 'validator' | 'serializer',
> = (Provider & {
  schema: Schema;
})[Member];

/** Requests as `@fastify/type-provider-json-schema-to-ts` infers them; replies as `ReplyBody`. */
export interface ClearanceTypeProvider extends FastifyTypeProvider {
  validator: Inferred<RequestTypes, this['schema'], 'validator'>;
  serializer: ReplyBody<Inferred<ReplyTypes, this['schema'], 'serializer'>>;
}

export type RoutesPlugin = FastifyPluginAsync<
  { useCases: UseCases },
  RawServerDefault,
  ClearanceTypeProvider
>;
