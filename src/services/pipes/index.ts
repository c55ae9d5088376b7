// Amazon EventBridge Pipes: pipes from an SQS queue, a Kinesis stream or a RabbitMQ broker's queue,
// through filter criteria and an InputTemplate, to any target eddy delivers to. Sources are read
// through the runtime's sources port (SQS, Kinesis) or over AMQP 0-9-1 (RabbitMQ); targets through
// the targets port. The pollers run on the node holding the `pipes/runner` lease.
import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { pipesHandlers } from './handlers.ts';
import { PipeRunner, RUNNER_LEASE } from './runner.ts';
import { pipesMigrations } from './schema.ts';

export function pipesService(runtime: Runtime): ServiceModule {
  const runner = new PipeRunner(runtime);
  const reconcile = () => {
    if (!runtime.cluster.shared || runtime.cluster.holds(RUNNER_LEASE))
      runner
        .reconcile()
        .catch((error: unknown) => runtime.log.error({ err: error }, 'starting pipes failed'));
  };
  return {
    definition: {
      name: 'pipes',
      model: loadModel('pipes-2015-10-07'),
      handlers: pipesHandlers(runtime, reconcile),
      inputError(problem) {
        if (problem.kind === 'constraints') {
          const [first] = problem.violations;
          return new ServiceError(
            'ValidationException',
            problem.violations.map((violation) => `${violation.member}: ${violation.rule}`).join('; '),
            {
              fields: {
                fieldList: problem.violations.map((violation) => ({
                  name: violation.member,
                  message: violation.rule,
                })),
              },
              ...(first ? {} : {}),
            },
          );
        }
        if (problem.kind === 'missing')
          return new ServiceError('ValidationException', `${problem.member} must not be null.`, {
            fields: { fieldList: [{ name: problem.member, message: 'must not be null' }] },
          });
        return new ServiceError('ValidationException', `${problem.member} must be ${problem.expected}.`);
      },
    },
    migrations: pipesMigrations,
    async start() {
      runtime.cluster.singleton(RUNNER_LEASE, () => runner.reconcile(), 1000);
      reconcile();
    },
    async stop() {
      await runner.stop();
    },
  };
}
