// The Scheduler's errors, in AWS's words.
import { ServiceError } from '../../contract/index.ts';

export const validation = (message: string) => new ServiceError('ValidationException', message);
export const conflict = (message: string) => new ServiceError('ConflictException', message, { status: 409 });
export const notFound = (message: string) =>
  new ServiceError('ResourceNotFoundException', message, { status: 404 });
export const scheduleNotFound = (name: string) => notFound(`Schedule ${name} does not exist.`);
export const groupNotFound = (name: string) => notFound(`Schedule group ${name} does not exist.`);
export const quotaExceeded = (message: string) =>
  new ServiceError('ServiceQuotaExceededException', message, { status: 402 });
