// Which runner runs tasks: configuration picks `process` (the default) or `container`.
import { ProcessRunner, type Runner } from '../../runners/index.ts';
import type { Config } from '../../runtime/index.ts';

export function chooseRunner(config: Config): Runner {
  const settings = config.tasks ?? { runner: 'process', images: {}, spotNoticeSeconds: 120 };
  if (settings.runner === 'container') {
    // The container runner (Docker Engine API) is wired here once src/runners exports it.
    throw new Error(
      'EDDY_TASKS_RUNNER=container: this build of eddy has no container runner yet; use process',
    );
  }
  return new ProcessRunner({ images: settings.images });
}
