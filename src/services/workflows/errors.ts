// Step Functions' errors, in AWS's words: `Code: 'detail'`.
import { ServiceError } from '../../contract/index.ts';

const quoted = (code: string, title: string) => (detail: string) =>
  new ServiceError(code, `${title}: '${detail}'`);

export const invalidArn = quoted('InvalidArn', 'Invalid Arn');
export const invalidName = quoted('InvalidName', 'Invalid Name');
export const invalidDefinitionError = (message: string) => new ServiceError('InvalidDefinition', message);
export const stateMachineDoesNotExist = quoted('StateMachineDoesNotExist', 'State Machine Does Not Exist');
export const stateMachineAlreadyExists = quoted('StateMachineAlreadyExists', 'State Machine Already Exists');
export const executionDoesNotExist = quoted('ExecutionDoesNotExist', 'Execution Does Not Exist');
export const executionAlreadyExists = quoted('ExecutionAlreadyExists', 'Execution Already Exists');
export const activityDoesNotExist = quoted('ActivityDoesNotExist', 'Activity Does Not Exist');
export const invalidExecutionInput = quoted('InvalidExecutionInput', 'Invalid State Machine Execution Input');
export const invalidOutput = quoted('InvalidOutput', 'Invalid Output');
export const invalidToken = quoted('InvalidToken', 'Invalid Token');
export const taskTimedOut = () =>
  new ServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
export const taskDoesNotExist = () =>
  new ServiceError('TaskDoesNotExist', "Task Does Not Exist: 'Provided task does not exist'");
export const stateMachineTypeNotSupported = (message: string) =>
  new ServiceError('StateMachineTypeNotSupported', message);
export const resourceNotFound = (message: string) => new ServiceError('ResourceNotFound', message);
export const executionNotRedrivable = (message: string) =>
  new ServiceError('ExecutionNotRedrivable', message);
export const conflict = (message: string) => new ServiceError('ConflictException', message);
export const tooManyTags = (message: string, resourceName: string) =>
  new ServiceError('TooManyTags', message, { fields: { resourceName } });
export const invalidLoggingConfiguration = (message: string) =>
  new ServiceError('InvalidLoggingConfiguration', message);
export const missingRequiredParameter = (message: string) =>
  new ServiceError('MissingRequiredParameter', message);

export type ValidationReason =
  | 'API_DOES_NOT_SUPPORT_LABELED_ARNS'
  | 'MISSING_REQUIRED_PARAMETER'
  | 'CANNOT_UPDATE_COMPLETED_MAP_RUN'
  | 'INVALID_ROUTING_CONFIGURATION';

export const validation = (message: string, reason?: ValidationReason) =>
  new ServiceError('ValidationException', message, reason ? { fields: { reason } } : {});
