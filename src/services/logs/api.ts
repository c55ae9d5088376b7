// The service's handler table type: one handler per operation of the model, typed by it.
import type { CloudWatchLogs, Handlers } from '../../contract/index.ts';

export type LogsHandlers = Handlers<CloudWatchLogs.Operations>;
export type { CloudWatchLogs };
