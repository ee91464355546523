export { buildServer, type HttpDeps, type OidcSignIn, openApiInfo } from './build-server.js';
export type { JobRunnerStats } from './metrics.js';
export {
  type ProblemCode,
  type ProblemDetails,
  problemDetails,
  problemStatus,
  problemTypeBase,
} from './problem-details.js';
export { findBuiltWebApp } from './web-app.js';
