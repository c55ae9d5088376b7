// The services eddy serves. Each module turns the runtime into a service definition plus its
// migrations and background work; the app starts them in this order.
import type { ServiceFactory } from '../contract/index.ts';
import { eventsService } from './events/index.ts';
import { identityService } from './identity/index.ts';
import { logsService } from './logs/index.ts';
import { metricsService } from './metrics/index.ts';
import { objectsService } from './objects/index.ts';
import { pipesService } from './pipes/index.ts';
import { queuesService } from './queues/index.ts';
import { scalingService } from './scaling/index.ts';
import { schedulerService } from './scheduler/index.ts';
import { streamsService } from './streams/index.ts';
import { tasksService } from './tasks/index.ts';
import { topicsService } from './topics/index.ts';
import { workflowsService } from './workflows/index.ts';

// Logs come first so they stop last: every other service's final log lines are committed.
// Tasks come after the event bus: they stop first, so their last state changes still reach it.
// Workflows come after tasks: they start once the tasks service re-attached its tasks.
export const serviceFactories: ServiceFactory[] = [
  identityService,
  logsService,
  queuesService,
  topicsService,
  streamsService,
  eventsService,
  objectsService,
  tasksService,
  schedulerService,
  workflowsService,
  metricsService,
  scalingService,
  // Pipes come last so they stop first: no poller delivers to a service that has stopped.
  pipesService,
];
