// The contract between the edge and the services: operation and handler types, the request
// context, the one error type, service definitions and model access. Both sides import this;
// neither imports the other.

export { ServiceError, type ServiceErrorOptions } from './errors.ts';
export type { InternalRequest, InternalResponse, InternalRoute } from './internal-routes.ts';
export {
  loadModel,
  type OperationModel,
  type ResolvedShape,
  type ServiceMetadata,
  type ServiceModel,
  type Shape,
  ShapeResolver,
  type ShapeType,
} from './model.ts';
export type { ServiceFactory, ServiceModule } from './module.ts';
export type * from './operations/index.ts';
export type {
  AnyHandler,
  Caller,
  CorsRequest,
  Handler,
  Handlers,
  Input,
  InputProblem,
  OperationHandler,
  OperationTypes,
  Output,
  Protocol,
  RequestContext,
  ServiceDefinition,
  Violation,
} from './service.ts';
export {
  httpStatusOf,
  isRequestBody,
  type RequestBody,
  type StreamingBlob,
  withHttpStatus,
} from './streaming.ts';
export { violationMessage } from './violations.ts';
