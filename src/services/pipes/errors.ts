// Pipes' errors, in AWS's words.
import { ServiceError } from '../../contract/index.ts';

export const validation = (message: string, field?: string) =>
  new ServiceError('ValidationException', message, {
    status: 400,
    ...(field ? { fields: { fieldList: [{ name: field, message }] } } : {}),
  });
export const notFound = (name: string) =>
  new ServiceError('NotFoundException', `Pipe ${name} does not exist.`, { status: 404 });
export const conflict = (message: string) => new ServiceError('ConflictException', message, { status: 409 });
