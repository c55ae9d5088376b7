// Alarms another service owns (target tracking policies' alarms): delivered to the alarm's ARN
// through the targets port with `parameters.Operation` PutMetricAlarm (the body its input) or
// DeleteAlarms, in the ARN's account and region, as AWS services call CloudWatch on their own behalf.
import type { CloudWatch } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { type Delivery, DeliveryError, type DeliveryReceipt, parseArn } from '../../runtime/index.ts';
import { type AlarmDeps, putMetricAlarm } from './alarm-handlers.ts';

export async function manageAlarm(
  deps: AlarmDeps,
  arn: string,
  delivery: Delivery,
): Promise<DeliveryReceipt> {
  const parsed = parseArn(arn);
  if (!parsed?.resource.startsWith('alarm:'))
    throw new DeliveryError('InvalidParameterValue', `'${arn}' is not a CloudWatch alarm ARN.`, false);
  const scope = { account: parsed.accountId, region: parsed.region };
  const name = parsed.resource.slice('alarm:'.length);
  const operation = delivery.parameters?.Operation;
  try {
    if (operation === 'PutMetricAlarm') {
      const input = JSON.parse(delivery.body) as CloudWatch.PutMetricAlarmInput;
      await putMetricAlarm(deps, scope, { ...input, AlarmName: name });
      return { id: arn };
    }
    if (operation === 'DeleteAlarms') {
      await deps.store.write((tx) => deps.alarms.deleteIn(tx, scope, name));
      return { id: arn };
    }
  } catch (error) {
    if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
    throw error;
  }
  throw new DeliveryError(
    'InvalidAction',
    `A delivery to an alarm must name parameters.Operation PutMetricAlarm or DeleteAlarms, not ${String(operation)}.`,
    false,
  );
}
