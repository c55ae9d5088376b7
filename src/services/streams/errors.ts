// Kinesis's errors, in AWS's words.
import { ServiceError } from '../../contract/index.ts';

export const invalidArgument = (message: string) => new ServiceError('InvalidArgumentException', message);
export const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message);
export const inUse = (message: string) => new ServiceError('ResourceInUseException', message);
export const limitExceeded = (message: string) => new ServiceError('LimitExceededException', message);
export const expiredIterator = (message: string) => new ServiceError('ExpiredIteratorException', message);
export const throughputExceeded = (message: string) =>
  new ServiceError('ProvisionedThroughputExceededException', message);

export const streamNotFound = (name: string, account: string) =>
  notFound(`Stream ${name} under account ${account} not found.`);
export const shardNotFound = (shardId: string, stream: string, account: string) =>
  notFound(`Shard ${shardId} in stream ${stream} under account ${account} does not exist`);
