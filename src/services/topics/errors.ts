// SNS's errors: Query codes and the "Invalid parameter: …" wording AWS uses.
import { ServiceError } from '../../contract/index.ts';

export const snsError = (code: string, message: string, status = 400) =>
  new ServiceError(code, message, { status });
export const invalidParameter = (message: string) =>
  snsError('InvalidParameter', `Invalid parameter: ${message}`);
export const notFound = (message: string) => snsError('NotFound', message, 404);
