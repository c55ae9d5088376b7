// Scaling: Application Auto Scaling (AWS JSON 1.1, `AnyScaleFrontendService`) — scalable targets
// (ECS services' desired count, through the scalable-resources port), step scaling and target
// tracking policies invoked by CloudWatch alarm actions through the targets port (`autoscaling`
// ARNs), and scaling activities. docs/operations/autoscaling.md lists what is done and not.
import type { ApplicationAutoScaling as Aas, Handlers, ServiceModule } from '../../contract/index.ts';
import { loadModel } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { absentHandlers } from './absent.ts';
import { scalingHandlers } from './handlers.ts';
import { ScalingRecords } from './records.ts';
import { type AlarmNotification, Scaler } from './scaler.ts';
import { scalingMigrations } from './schema.ts';

/** Scaling activities are kept six weeks, as AWS keeps them. */
const ACTIVITIES_KEPT_MS = 42 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export function scalingService(runtime: Runtime): ServiceModule {
  const records = new ScalingRecords(runtime.store);
  const scaler = new Scaler(runtime, records);
  // Every operation of the model: tsc reports one missing or mistyped.
  const handlers: Handlers<Aas.Operations> = {
    ...scalingHandlers(runtime, records, scaler),
    ...absentHandlers(),
  };
  let cancelPrune: (() => void) | undefined;
  const pruneLater = () => {
    cancelPrune = runtime.clock.setAlarm(runtime.clock.now() + PRUNE_EVERY_MS, () => {
      records
        .pruneActivities(runtime.clock.now() - ACTIVITIES_KEPT_MS)
        .catch((error: unknown) => runtime.log.warn({ err: error }, 'pruning scaling activities failed'))
        .finally(pruneLater);
    });
  };

  // CloudWatch alarm actions name policy ARNs (`arn:aws:autoscaling:…:scalingPolicy:…`).
  runtime.targets.register('autoscaling', async (arn, delivery) => {
    let notification: AlarmNotification;
    try {
      notification = JSON.parse(delivery.body) as AlarmNotification;
    } catch {
      notification = {};
    }
    await scaler.onAlarm(arn, notification);
    return { id: arn };
  });

  return {
    definition: {
      name: 'application-autoscaling',
      model: loadModel('application-autoscaling-2016-02-06'),
      handlers,
    },
    migrations: scalingMigrations,
    async start() {
      pruneLater();
    },
    async stop() {
      cancelPrune?.();
    },
  };
}
