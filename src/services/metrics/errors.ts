// CloudWatch's errors: the JSON/CBOR shape name is the code, the Query code (and x-amzn-query-error) the short one.
import { ServiceError } from '../../contract/index.ts';

/** Shape name → Query code, as the model's error traits give them. */
export const QUERY_ERROR_CODES: Record<string, string> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  MissingRequiredParameterException: 'MissingParameter',
  LimitExceededFault: 'LimitExceeded',
  ResourceNotFound: 'ResourceNotFound',
  InvalidNextToken: 'InvalidNextToken',
  InvalidFormatFault: 'InvalidFormat',
};

export const invalidValue = (message: string) => new ServiceError('InvalidParameterValueException', message);
export const invalidCombination = (message: string) =>
  new ServiceError('InvalidParameterCombinationException', message);
export const missingParameter = (message: string) =>
  new ServiceError('MissingRequiredParameterException', message);
export const limitExceeded = (message: string) => new ServiceError('LimitExceededFault', message);
export const notFound = (message: string) => new ServiceError('ResourceNotFound', message, { status: 404 });
export const invalidNextToken = () => new ServiceError('InvalidNextToken', 'The NextToken is not valid.');
