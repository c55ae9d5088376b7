// EventBridge's errors: code, status and the messages AWS words them with.
import { ServiceError } from '../../contract/index.ts';

export const eventsError = (code: string, message: string) =>
  new ServiceError(code, message, { status: 400 });
export const validation = (message: string) => eventsError('ValidationException', message);
export const notFound = (message: string) => eventsError('ResourceNotFoundException', message);
