// The container runner: a task's container is an OCI container run through the Docker Engine API,
// served by Docker or by Podman's compatible socket. Containers share the host's network, so the
// AWS_ENDPOINT_URL a task is given (eddy on 127.0.0.1) reaches eddy from inside.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import type { ContainerExit, ContainerSpec, LogListener, Runner, RunningContainer } from './port.ts';
import { StartError } from './port.ts';

/** Where engines listen when DOCKER_HOST does not say: Docker, rootful Podman, rootless Podman. */
export function defaultEngineSockets(env: NodeJS.ProcessEnv): string[] {
  const sockets = ['/var/run/docker.sock', '/run/podman/podman.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(`${env.XDG_RUNTIME_DIR}/podman/podman.sock`);
  return sockets;
}

/** `unix:///path`, `tcp://host:port` or `http://host:port`, as DOCKER_HOST writes them. */
export function engineOptions(address: string): Docker.DockerOptions {
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) };
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  if (url.protocol !== 'http:' || !url.port) {
    throw new Error(`container engine address must be unix:///path or tcp://host:port, got '${address}'`);
  }
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}

export interface ContainerRunnerOptions {
  /** The engine's address (DOCKER_HOST); absent: the first of `defaultEngineSockets` that exists. */
  engine?: string;
  /** `missing` pulls an image the engine does not have (as ECS does); `never` fails the task instead. */
  pull?: 'missing' | 'never';
  /** Every container eddy creates carries this label, so they can be found and cleaned up. */
  label?: string;
}

/**
 * How long logs may trail a container's exit before its end is reported anyway: longer once output
 * flows; short while the engine has not answered the logs request at all (Podman answers it only
 * with the first line, so a silent container would otherwise always cost the long wait).
 */
const LOG_DRAIN_MS = { streaming: 2000, silent: 200 };

/** A container's output as it is being followed. */
interface FollowedLogs {
  /** Whether the engine has answered the logs request (output can be in flight). */
  streaming: boolean;
  /** Resolves when the output has ended (or could not be read). */
  ended: Promise<void>;
}
const SECOND_NS = 1_000_000_000;

interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  message: string;
}

const engineMessage = (error: unknown) => {
  const failure = error as EngineError;
  return (failure.json?.message ?? failure.message).trim();
};
const statusOf = (error: unknown) => (error as EngineError).statusCode;

export class ContainerRunner implements Runner {
  readonly kind = 'container';
  readonly engine: string;
  private readonly docker: Docker;
  private readonly label: string;

  constructor(private readonly options: ContainerRunnerOptions = {}) {
    const socket = defaultEngineSockets(process.env).find((path) => existsSync(path));
    this.engine = options.engine ?? `unix://${socket ?? '/var/run/docker.sock'}`;
    this.docker = new Docker(engineOptions(this.engine));
    this.label = options.label ?? 'eddy.task';
  }

  /** Fails with a message a user can act on when no engine answers. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new Error(
        `no Docker Engine API at ${this.engine} (${engineMessage(error)}): start Docker, or Podman's ` +
          'service (podman system service --time=0 unix:///run/podman/podman.sock), or set DOCKER_HOST',
      );
    }
  }

  async start(spec: ContainerSpec, onLog: LogListener): Promise<RunningContainer> {
    await this.ensureImage(spec.image);
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name: `eddy-${spec.name}`,
        Image: spec.image,
        ...(spec.entryPoint ? { Entrypoint: spec.entryPoint } : {}),
        ...(spec.command.length > 0 ? { Cmd: spec.command } : {}),
        Env: Object.entries(spec.environment).map(([name, value]) => `${name}=${value}`),
        Labels: { [this.label]: spec.name },
        Tty: false,
        HostConfig: {
          NetworkMode: 'host',
          // No swap beyond the limit, as on Fargate: a container over it is killed, not slowed.
          ...(spec.memoryMiB
            ? { Memory: spec.memoryMiB * 1024 * 1024, MemorySwap: spec.memoryMiB * 1024 * 1024 }
            : {}),
          // ECS cpu units as a hard limit: 1024 units = one vCPU, as Fargate enforces a task's size.
          ...(spec.cpu ? { NanoCpus: Math.round((spec.cpu / 1024) * SECOND_NS) } : {}),
        },
      });
    } catch (error) {
      throw new StartError(`CannotCreateContainerError: ${engineMessage(error)}`);
    }
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => {});
      throw new StartError(`CannotStartContainerError: ${engineMessage(error)}`);
    }
    return { id: container.id, exited: this.exitOf(container, this.follow(container, onLog)) };
  }

  async signal(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await container.kill({ signal });
    } catch (error) {
      // Stopping what has stopped is not an error. Engines say so differently (Docker 409, Podman
      // 500 "container state improper"), so ask the container itself.
      const running = await container.inspect().then(
        (details) => details.State.Running,
        () => false,
      );
      if (running) throw error;
    }
  }

  async reattach(id: string): Promise<RunningContainer | undefined> {
    const container = this.docker.getContainer(id);
    try {
      await container.inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    // Lines written while eddy was away are not replayed: the log group already holds those before it.
    return { id, exited: this.exitOf(container, { streaming: false, ended: Promise.resolve() }) };
  }

  private async ensureImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw new StartError(`CannotPullContainerError: ${engineMessage(error)}`);
    }
    if (this.options.pull === 'never') {
      throw new StartError(
        `CannotPullContainerError: image '${image}' is not on this machine and pulling is off (EDDY_TASKS_PULL=never)`,
      );
    }
    try {
      const progress = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) =>
        this.docker.modem.followProgress(progress, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      throw new StartError(`CannotPullContainerError: pull of '${image}' failed: ${engineMessage(error)}`);
    }
  }

  /** Streams the container's output line by line. */
  private follow(container: Docker.Container, onLog: LogListener): FollowedLogs {
    const logs: FollowedLogs = { streaming: false, ended: Promise.resolve() };
    logs.ended = container
      .logs({ follow: true, stdout: true, stderr: true })
      .then((stream) => {
        logs.streaming = true;
        const multiplexed = stream as unknown as Readable;
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        this.docker.modem.demuxStream(multiplexed, stdout, stderr);
        createInterface({ input: stdout }).on('line', (line) => onLog('stdout', line));
        createInterface({ input: stderr }).on('line', (line) => onLog('stderr', line));
        return new Promise<void>((resolve) => {
          multiplexed.once('end', resolve);
          multiplexed.once('close', resolve);
          multiplexed.once('error', () => resolve());
        }).finally(() => {
          stdout.end();
          stderr.end();
        });
      })
      .catch(() => {});
    return logs;
  }

  /** Waits for the container to end, reads how it ended, and removes it. */
  private async exitOf(container: Docker.Container, logs: FollowedLogs): Promise<ContainerExit> {
    let exit: ContainerExit;
    try {
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const state = (await container.inspect()).State;
      exit = state.OOMKilled
        ? { exitCode: StatusCode, reason: 'OutOfMemoryError: Container killed due to memory usage' }
        : { exitCode: StatusCode };
    } catch (error) {
      exit = { exitCode: null, reason: `the container engine lost the container: ${engineMessage(error)}` };
    }
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      logs.ended,
      new Promise((resolve) => {
        drainTimer = setTimeout(resolve, logs.streaming ? LOG_DRAIN_MS.streaming : LOG_DRAIN_MS.silent);
      }),
    ]);
    clearTimeout(drainTimer);
    await container.remove({ force: true }).catch(() => {});
    return exit;
  }
}
