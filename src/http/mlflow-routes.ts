/**
 * MLflow's Model Registry REST API (2.0) over Clearance, registered under `/api/2.0/mlflow` and
 * `/ajax-api/2.0/mlflow`: GET with query parameters, POST/PATCH/DELETE with JSON, as MLflow's
 * clients send them; MLflow's records and error format. Authentication is Clearance's (a Bearer
 * token: MLFLOW_TRACKING_TOKEN). The routes stay out of /api/v1's OpenAPI document: MLflow's
 * proto is their contract, and docs/mlflow-compatibility.md lists what is supported.
 */
import { type MlflowStage, parseStage, type UseCases } from '../app/index.js';
import { invalidInput } from '../domain/index.js';
import { principalOf } from './http-hooks.js';
import { type MlflowErrorCode, mlflowErrorHandler, sendMlflowError } from './mlflow-errors.js';
import {
  aliasQuery,
  createModelBody,
  createVersionBody,
  deleteAliasBody,
  deleteModelTagBody,
  deleteVersionTagBody,
  emptyReply,
  latestVersionsBody,
  latestVersionsQuery,
  modelList,
  nameQuery,
  nameVersionQuery,
  oneModel,
  oneVersion,
  searchQuery,
  setAliasBody,
  setModelTagBody,
  setVersionTagBody,
  transitionBody,
  updateModelBody,
  updateVersionBody,
  versionList,
} from './mlflow-schemas.js';
import type { RoutesPlugin } from './routes-plugin.js';

export const mlflowPrefixes = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

/** Endpoints Clearance answers with an MLflow error, and why (docs/mlflow-compatibility.md). */
export const unsupportedEndpoints: readonly {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  code: MlflowErrorCode;
  message: string;
}[] = [
  {
    method: 'POST',
    path: '/registered-models/rename',
    code: 'NOT_IMPLEMENTED',
    message:
      'Clearance does not rename models: audit entries, approvals and serving refer to the name. Register a new model instead.',
  },
  {
    method: 'DELETE',
    path: '/registered-models/delete',
    code: 'NOT_IMPLEMENTED',
    message:
      'Clearance keeps every registered model: the audit log, approvals and policies refer to it. Archive its versions instead.',
  },
  {
    method: 'DELETE',
    path: '/model-versions/delete',
    code: 'NOT_IMPLEMENTED',
    message:
      'Clearance keeps every registered version: the audit log and approvals refer to it, and a rollback may need it. Transition it to Archived instead.',
  },
];

function stagesOf(stages: readonly string[] | undefined): MlflowStage[] {
  return (stages ?? []).map((text) => {
    const stage = parseStage(text);
    if (stage === undefined) {
      throw invalidInput(
        `Invalid Model Version stage: ${text}.`,
        'Use one of None, Staging, Production, Archived.',
      );
    }
    return stage;
  });
}

const hidden = { hide: true } as const;

function registeredModelRoutes(app: Parameters<RoutesPlugin>[0], useCases: UseCases): void {
  app.post(
    '/registered-models/create',
    { schema: { ...hidden, body: createModelBody, response: { 200: oneModel } } },
    async (request) => ({
      registered_model: await useCases.mlflowCreateRegisteredModel(principalOf(request), {
        name: request.body.name,
        description: request.body.description,
        tags: request.body.tags?.map((t) => ({ key: t.key, value: t.value ?? '' })),
      }),
    }),
  );
  app.get(
    '/registered-models/get',
    { schema: { ...hidden, querystring: nameQuery, response: { 200: oneModel } } },
    async (request) => ({
      registered_model: await useCases.mlflowGetRegisteredModel(principalOf(request), {
        name: request.query.name,
      }),
    }),
  );
  app.get(
    '/registered-models/search',
    { schema: { ...hidden, querystring: searchQuery, response: { 200: modelList } } },
    async (request) =>
      useCases.mlflowSearchRegisteredModels(principalOf(request), {
        filter: request.query.filter,
        maxResults: request.query.max_results,
        orderBy: request.query.order_by,
        pageToken: request.query.page_token,
      }),
  );
  // MLflow's client posts get-latest-versions; its REST docs also show it as a GET.
  app.post(
    '/registered-models/get-latest-versions',
    { schema: { ...hidden, body: latestVersionsBody, response: { 200: versionList } } },
    async (request) => ({
      model_versions: await useCases.mlflowGetLatestVersions(principalOf(request), {
        name: request.body.name,
        stages: stagesOf(request.body.stages),
      }),
    }),
  );
  app.get(
    '/registered-models/get-latest-versions',
    { schema: { ...hidden, querystring: latestVersionsQuery, response: { 200: versionList } } },
    async (request) => ({
      model_versions: await useCases.mlflowGetLatestVersions(principalOf(request), {
        name: request.query.name,
        stages: stagesOf(request.query.stages),
      }),
    }),
  );
  app.post(
    '/registered-models/alias',
    { schema: { ...hidden, body: setAliasBody, response: { 200: emptyReply } } },
    async (request) => {
      await useCases.mlflowSetAlias(principalOf(request), request.body);
      return {};
    },
  );
  app.get(
    '/registered-models/alias',
    { schema: { ...hidden, querystring: aliasQuery, response: { 200: oneVersion } } },
    async (request) => ({
      model_version: await useCases.mlflowGetVersionByAlias(principalOf(request), request.query),
    }),
  );
}

/** MLflow's mutable metadata: tags, plain aliases, descriptions (app/mlflow/mlflow-metadata.ts). */
function metadataRoutes(app: Parameters<RoutesPlugin>[0], useCases: UseCases): void {
  const empty = { 200: emptyReply };
  app.post(
    '/registered-models/set-tag',
    { schema: { ...hidden, body: setModelTagBody, response: empty } },
    async (request) => {
      await useCases.mlflowSetModelTag(principalOf(request), request.body);
      return {};
    },
  );
  app.delete(
    '/registered-models/delete-tag',
    { schema: { ...hidden, body: deleteModelTagBody, response: empty } },
    async (request) => {
      await useCases.mlflowDeleteModelTag(principalOf(request), request.body);
      return {};
    },
  );
  app.delete(
    '/registered-models/alias',
    { schema: { ...hidden, body: deleteAliasBody, response: empty } },
    async (request) => {
      await useCases.mlflowDeleteAlias(principalOf(request), request.body);
      return {};
    },
  );
  app.patch(
    '/registered-models/update',
    { schema: { ...hidden, body: updateModelBody, response: { 200: oneModel } } },
    async (request) => ({
      registered_model: await useCases.mlflowUpdateRegisteredModel(principalOf(request), {
        name: request.body.name,
        description: request.body.description ?? '',
      }),
    }),
  );
  app.post(
    '/model-versions/set-tag',
    { schema: { ...hidden, body: setVersionTagBody, response: empty } },
    async (request) => {
      await useCases.mlflowSetVersionTag(principalOf(request), request.body);
      return {};
    },
  );
  app.delete(
    '/model-versions/delete-tag',
    { schema: { ...hidden, body: deleteVersionTagBody, response: empty } },
    async (request) => {
      await useCases.mlflowDeleteVersionTag(principalOf(request), request.body);
      return {};
    },
  );
  app.patch(
    '/model-versions/update',
    { schema: { ...hidden, body: updateVersionBody, response: { 200: oneVersion } } },
    async (request) => ({
      model_version: await useCases.mlflowUpdateModelVersion(principalOf(request), {
        name: request.body.name,
        version: request.body.version,
        description: request.body.description ?? '',
      }),
    }),
  );
}

function modelVersionRoutes(app: Parameters<RoutesPlugin>[0], useCases: UseCases): void {
  app.post(
    '/model-versions/create',
    { schema: { ...hidden, body: createVersionBody, response: { 200: oneVersion } } },
    async (request) => ({
      model_version: await useCases.mlflowCreateModelVersion(principalOf(request), {
        name: request.body.name,
        source: request.body.source,
        runId: request.body.run_id,
        runLink: request.body.run_link,
        description: request.body.description,
        tags: request.body.tags?.map((t) => ({ key: t.key, value: t.value ?? '' })),
      }),
    }),
  );
  app.get(
    '/model-versions/get',
    { schema: { ...hidden, querystring: nameVersionQuery, response: { 200: oneVersion } } },
    async (request) => ({
      model_version: await useCases.mlflowGetModelVersion(principalOf(request), request.query),
    }),
  );
  app.get(
    '/model-versions/search',
    { schema: { ...hidden, querystring: searchQuery, response: { 200: versionList } } },
    async (request) =>
      useCases.mlflowSearchModelVersions(principalOf(request), {
        filter: request.query.filter,
        maxResults: request.query.max_results,
        orderBy: request.query.order_by,
        pageToken: request.query.page_token,
      }),
  );
  app.get(
    '/model-versions/get-download-uri',
    { schema: { ...hidden, querystring: nameVersionQuery } },
    async (request) => useCases.mlflowGetDownloadUri(principalOf(request), request.query),
  );
  app.post(
    '/model-versions/transition-stage',
    { schema: { ...hidden, body: transitionBody, response: { 200: oneVersion } } },
    async (request) => ({
      model_version: await useCases.mlflowTransitionStage(principalOf(request), {
        name: request.body.name,
        version: request.body.version,
        stage: request.body.stage,
      }),
    }),
  );
}

export const mlflowRoutes: RoutesPlugin = async (app, { useCases }) => {
  app.setErrorHandler(mlflowErrorHandler);
  registeredModelRoutes(app, useCases);
  modelVersionRoutes(app, useCases);
  metadataRoutes(app, useCases);
  for (const endpoint of unsupportedEndpoints) {
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      schema: hidden,
      handler: async (_request, reply) =>
        sendMlflowError(reply, { error_code: endpoint.code, message: endpoint.message }),
    });
  }
  // Anything else under the prefix is MLflow's ENDPOINT_NOT_FOUND, not a problem document.
  app.all('/*', { schema: hidden }, async (request, reply) =>
    sendMlflowError(reply, {
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `Clearance has no MLflow endpoint ${request.method} ${request.url.split('?')[0]}; docs/mlflow-compatibility.md lists those it has.`,
    }),
  );
};
