// What eddy's Application Auto Scaling does not have — scheduled actions and predictive scaling —
// answered as an account without any: none are listed, a named one is not found, and creating
// one is refused with a message saying eddy does not run them.
import type { ApplicationAutoScaling as Aas, Handlers } from '../../contract/index.ts';
import { notFound, validation } from './errors.ts';

type Absent = Pick<
  Handlers<Aas.Operations>,
  'PutScheduledAction' | 'DescribeScheduledActions' | 'DeleteScheduledAction' | 'GetPredictiveScalingForecast'
>;

export function absentHandlers(): Absent {
  return {
    async PutScheduledAction() {
      throw validation(
        'eddy does not run scheduled actions yet: scale on a schedule with an EventBridge Scheduler schedule that calls UpdateService.',
      );
    },
    async DescribeScheduledActions() {
      return { ScheduledActions: [] };
    },
    async DeleteScheduledAction(input) {
      throw notFound(
        `No scheduled action found for service namespace: ${input.ServiceNamespace}, resource ID: ${input.ResourceId}, scalable dimension: ${input.ScalableDimension}, scheduled action name: ${input.ScheduledActionName}`,
      );
    },
    async GetPredictiveScalingForecast() {
      throw validation('eddy does not forecast load: there are no predictive scaling policies.');
    },
  };
}
