// The runner port: what the tasks service asks of whatever runs a container (a local process,
// a Docker/Podman container, later a Kubernetes pod). Runners report; they never decide retries.

export interface ContainerSpec {
  /** Unique per run: `<task id>-<container name>`. */
  name: string;
  image: string;
  /** Replaces the image's entrypoint when given; the process runner runs entryPoint + command. */
  entryPoint?: string[];
  /** Replaces the image's command when non-empty. */
  command: string[];
  environment: Record<string, string>;
  /** CPU units (1024 = one vCPU) and memory in MiB: hard limits, applied where the runner can. */
  cpu?: number;
  memoryMiB?: number;
}

/** How a container ended. `exitCode` is null when it was killed by a signal or could not be read. */
export interface ContainerExit {
  exitCode: number | null;
  signal?: string;
  /** Why, when the runner knows more than the exit code (e.g. OutOfMemoryError). */
  reason?: string;
}

export type LogStream = 'stdout' | 'stderr';
export type LogListener = (stream: LogStream, line: string) => void;

export interface RunningContainer {
  /** The runner's handle, kept in the store so a restarted eddy can re-attach. */
  id: string;
  /** Resolves once, when the container has ended. */
  exited: Promise<ContainerExit>;
}

/** A container that could not be started: becomes the task's TaskFailedToStart reason. */
export class StartError extends Error {
  override name = 'StartError';
}

export interface Runner {
  readonly kind: string;
  /** Starts the container; lines it writes go to `onLog`. Throws StartError when it cannot start. */
  start(spec: ContainerSpec, onLog: LogListener): Promise<RunningContainer>;
  /** Sends a signal (SIGTERM to ask, SIGKILL to force). Stopping one that has ended is not an error. */
  signal(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Re-attaches to a container started before a restart (its later lines to `onLog`), or undefined when it is gone. */
  reattach(id: string, onLog: LogListener): Promise<RunningContainer | undefined>;
  /** Rejects, saying what to do, when the runner cannot run anything (its engine is not there). */
  check?(): Promise<void>;
  /** What this runner cannot do on this machine (in the startup summary). */
  readonly caveats?: string[];
  /** The runner and what it runs on, for the startup summary ("container runner on Podman 4.3.1 at …"). */
  describe?(): string;
}
