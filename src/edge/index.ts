// The edge: HTTP, AWS wire protocols and SigV4. It knows nothing of any service's domain.

export { ServiceError, type ServiceErrorOptions } from './errors.ts';
export type { InternalRequest, InternalResponse, InternalRoute } from './internal.ts';
export { loadModel, type ServiceModel, type Shape } from './model.ts';
export { createEdge, type Edge, type EdgeOptions } from './server.ts';
export type {
  Handler,
  Input,
  InputProblem,
  Output,
  Protocol,
  RequestContext,
  ServiceDefinition,
} from './service.ts';
