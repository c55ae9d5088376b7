// ECS's errors: every one is a client fault with status 400, worded as ECS words them.
import { ServiceError } from '../../contract/index.ts';

export const ecsError = (code: string, message: string) => new ServiceError(code, message, { status: 400 });

/** ECS's catch-all for requests it refuses (bad task definitions, unknown resources). */
export const clientException = (message: string) => ecsError('ClientException', message);
export const invalidParameter = (message: string) => ecsError('InvalidParameterException', message);
export const clusterNotFound = () => ecsError('ClusterNotFoundException', 'Cluster not found.');
