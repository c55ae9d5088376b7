// The container runner: a task's container is an OCI container run through the Docker Engine API,
// served by Docker or by Podman's compatible socket. Containers share the host's network, so the
// AWS_ENDPOINT_URL a task is given (eddy on 127.0.0.1) reaches eddy from inside.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerExit, ContainerSpec, LogListener, Runner, RunningContainer } from './port.ts';
import { StartError } from './port.ts';

/** Where engines listen when DOCKER_HOST does not say: the first of Docker's, rootful and rootless Podman's. */
function defaultEngine(): string {
  const sockets = ['/var/run/docker.sock', '/run/podman/podman.sock'];
  if (process.env.XDG_RUNTIME_DIR) sockets.push(`${process.env.XDG_RUNTIME_DIR}/podman/podman.sock`);
  return `unix://${sockets.find((path) => existsSync(path)) ?? sockets[0]}`;
}

/** `unix:///path`, `tcp://host:port` or `http://host:port`, as DOCKER_HOST writes them. */
function engineOptions(address: string): Docker.DockerOptions {
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) };
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  if (url.protocol !== 'http:' || !url.port) {
    throw new Error(`container engine address must be unix:///path or tcp://host:port, got '${address}'`);
  }
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}

export interface ContainerRunnerOptions {
  /** The engine's address (DOCKER_HOST); absent: Docker's or Podman's usual socket, whichever exists. */
  engine?: string;
  /** `missing` pulls an image the engine does not have (as ECS does); `never` fails the task instead. */
  pull?: 'missing' | 'never';
  /** Every container eddy creates carries this label, so they can be found and cleaned up. */
  label?: string;
}

/** Once a container's output has ended, how often and how long its state is read before waiting on it. */
const STOP_POLL = { everyMs: 10, attempts: 50 };
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

/** One line of an image pull's progress stream. */
export interface PullEvent {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * The engine answers a pull with 200 and reports a failed pull (unknown image, registry refused,
 * no network) inside the progress stream, so the stream's error lines are the pull's outcome.
 */
export function pullFailure(events: PullEvent[]): string | undefined {
  const failed = events.find(
    (event) => event.error !== undefined || event.errorDetail?.message !== undefined,
  );
  return failed === undefined ? undefined : (failed.errorDetail?.message ?? failed.error ?? '').trim();
}

/**
 * Podman's API service writes its own error into the attach stream's stderr when the attach
 * socket resets as a container exits (seen on a container that exited 0). It is the engine's
 * line, not the container's, so a task's logs never show it.
 */
const ENGINE_ATTACH_NOISE = /^Error: read unixpacket @->\/proc\/self\/fd\/\d+\/attach: /;

export class ContainerRunner implements Runner {
  readonly kind = 'container';
  readonly engine: string;
  private readonly docker: Docker;
  private readonly label: string;

  constructor(private readonly options: ContainerRunnerOptions = {}) {
    this.engine = options.engine ?? defaultEngine();
    // Loaded here, not imported: dockerode and its dependencies take ~90 ms to load, which every
    // `eddy up` paid even on the process runner (the default).
    const Dockerode = createRequire(import.meta.url)('dockerode') as typeof Docker;
    this.docker = new Dockerode(engineOptions(this.engine));
    this.label = options.label ?? 'eddy.task';
  }

  private engineName = 'a Docker Engine API';

  describe(): string {
    return `container runner on ${this.engineName} at ${this.engine}`;
  }

  /** Fails with a message a user can act on when no engine answers. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
      const { Components } = await this.docker.version();
      const engine = Components?.find((component) => component.Name !== undefined);
      if (engine) this.engineName = `${engine.Name} ${engine.Version}`;
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
    // Attached before it starts, so no line is missed; the stream ends when the container does.
    let output: Readable;
    try {
      output = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => {});
      throw new StartError(`CannotStartContainerError: ${engineMessage(error)}`);
    }
    return { id: container.id, exited: this.exitOf(container, this.forward(output, onLog)) };
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
    let running: boolean;
    try {
      running = (await container.inspect()).State.Running;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    // Waited for, not attached to: an attach racing the container's exit can leave Podman's
    // container back in `created`. So its later lines are not followed, nor replayed.
    const ended = running ? container.wait().then(() => {}) : Promise.resolve();
    return { id, exited: this.exitOf(container, ended) };
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
      const events = await new Promise<PullEvent[]>((resolve, reject) =>
        this.docker.modem.followProgress(progress, (error, output: PullEvent[]) =>
          error ? reject(error) : resolve(output),
        ),
      );
      const failure = pullFailure(events);
      if (failure !== undefined) throw new Error(failure);
    } catch (error) {
      throw new StartError(`CannotPullContainerError: pull of '${image}' failed: ${engineMessage(error)}`);
    }
  }

  /** Passes the container's output on line by line (not the engine's own noise); resolves when it has ended. */
  private forward(output: Readable, onLog: LogListener): Promise<void> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(output, stdout, stderr);
    createInterface({ input: stdout }).on('line', (line) => onLog('stdout', line));
    createInterface({ input: stderr }).on('line', (line) => {
      if (!ENGINE_ATTACH_NOISE.test(line)) onLog('stderr', line);
    });
    return new Promise<void>((resolve) => {
      output.once('end', resolve);
      output.once('close', resolve);
      output.once('error', () => resolve());
    }).finally(() => {
      stdout.end();
      stderr.end();
    });
  }

  /** Once the output has ended, reads how the container ended, and removes it. */
  private async exitOf(container: Docker.Container, outputEnded: Promise<void>): Promise<ContainerExit> {
    let exit: ContainerExit;
    try {
      await outputEnded;
      const { exitCode, oomKilled } = await this.endOf(container);
      exit = oomKilled
        ? { exitCode, reason: 'OutOfMemoryError: Container killed due to memory usage' }
        : { exitCode };
    } catch (error) {
      exit = { exitCode: null, reason: `the container engine lost the container: ${engineMessage(error)}` };
    }
    await container.remove({ force: true }).catch(() => {});
    return exit;
  }

  /**
   * How a container whose output has ended ended: read from its state once the engine reports it
   * `exited` (Podman passes through a state without the exit code first), rather than through the
   * engine's wait, which Podman answers only on its next poll (up to ~2 s). One that goes on
   * running without output (it closed its streams) is waited for.
   */
  private async endOf(container: Docker.Container): Promise<{ exitCode: number; oomKilled: boolean }> {
    for (let attempt = 0; attempt < STOP_POLL.attempts; attempt++) {
      const { State } = await container.inspect();
      // -1 is no process's exit code: the engine has not recorded it yet.
      if ((State.Status === 'exited' || State.Status === 'dead') && State.ExitCode !== -1) {
        return { exitCode: State.ExitCode, oomKilled: State.OOMKilled };
      }
      await new Promise((resolve) => setTimeout(resolve, STOP_POLL.everyMs));
    }
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    return { exitCode: StatusCode, oomKilled: (await container.inspect()).State.OOMKilled };
  }
}
