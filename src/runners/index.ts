// Runners: what starts and stops task containers. The tasks service sees only the port.

export { Cgroups, type ResourceLimits } from './cgroups.ts';
export {
  ContainerRunner,
  type ContainerRunnerOptions,
} from './container.ts';
export {
  type ContainerExit,
  type ContainerSpec,
  type LogListener,
  type LogStream,
  type Runner,
  type RunningContainer,
  StartError,
} from './port.ts';
export { type ImageMapping, ProcessRunner, type ProcessRunnerOptions } from './process.ts';
