// Application Auto Scaling's errors (AWS JSON 1.1: the code is the `__type`).
import { ServiceError } from '../../contract/index.ts';

export const validation = (message: string) => new ServiceError('ValidationException', message);
export const notFound = (message: string) => new ServiceError('ObjectNotFoundException', message);
export const limitExceeded = (message: string) => new ServiceError('LimitExceededException', message);
export const failedAccess = (message: string) => new ServiceError('FailedResourceAccessException', message);
