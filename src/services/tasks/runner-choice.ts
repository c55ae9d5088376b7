// Which runner runs tasks: configuration picks `process` (the default) or `container`.
import { join } from 'node:path';
import { Cgroups, ContainerRunner, ProcessRunner, type Runner } from '../../runners/index.ts';
import { type Config, ConfigError } from '../../runtime/index.ts';

export function chooseRunner(config: Config): Runner {
  const settings = config.tasks ?? { runner: 'process', images: {}, spotNoticeSeconds: 120, pull: 'missing' };
  if (settings.runner === 'container') {
    try {
      return new ContainerRunner({
        pull: settings.pull,
        ...(settings.engine ? { engine: settings.engine } : {}),
      });
    } catch (error) {
      throw new ConfigError(`EDDY_TASKS_RUNNER=container: ${(error as Error).message}`);
    }
  }
  return new ProcessRunner({
    images: settings.images,
    cgroups: new Cgroups(),
    // In the data directory, so a restarted eddy reads the statuses of tasks that ended meanwhile.
    ...(config.inMemory ? {} : { watcherDirectory: join(config.dataDir, 'task-exits') }),
  });
}
