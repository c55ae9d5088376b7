// The process runner: a container's command runs as a local process. Images map (in
// configuration) to a working directory and a default command.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Cgroups } from './cgroups.ts';
import type { ContainerExit, ContainerSpec, LogListener, Runner, RunningContainer } from './port.ts';
import { StartError } from './port.ts';

export interface ImageMapping {
  /** Working directory the command runs in. */
  workingDirectory?: string;
  /** Command used when the task definition gives none. */
  command?: string[];
}

export interface ProcessRunnerOptions {
  /** image name → how to run it; images without a mapping run in `defaultDirectory`. */
  images?: Record<string, ImageMapping>;
  defaultDirectory?: string;
  /** How often a re-attached process (not our child) is checked for life. */
  reattachPollMs?: number;
  /** Applies cpu/memory limits; without it (or where the OS refuses) processes run unlimited. */
  cgroups?: Cgroups;
}

const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ProcessRunner implements Runner {
  readonly kind = 'process';
  readonly caveats: string[];

  constructor(private readonly options: ProcessRunnerOptions = {}) {
    const unavailable = options.cgroups ? options.cgroups.unavailable : 'no control groups configured';
    this.caveats = unavailable ? [`task cpu and memory limits are not applied: ${unavailable}`] : [];
  }

  describe(): string {
    const limits = this.options.cgroups && !this.options.cgroups.unavailable;
    return `process runner (each container a local process${limits ? ', cpu and memory limited by cgroups' : ''})`;
  }

  async start(spec: ContainerSpec, onLog: LogListener): Promise<RunningContainer> {
    const mapping = this.options.images?.[spec.image] ?? {};
    const given = [...(spec.entryPoint ?? []), ...spec.command];
    const command = given.length > 0 ? given : (mapping.command ?? []);
    const [file, ...args] = command;
    if (!file) {
      throw new StartError(
        `CannotStartContainerError: container ${spec.name} has no command, and image '${spec.image}' maps to none`,
      );
    }
    // A process group of its own, so signals reach the whole tree and eddy's own Ctrl-C does not.
    const child = spawn(file, args, {
      cwd: mapping.workingDirectory ?? this.options.defaultDirectory ?? process.cwd(),
      env: spec.environment,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Placed in its group at once, before this function yields: the process has only just exec'd.
    let limitError: Error | undefined;
    if (child.pid !== undefined) {
      try {
        this.options.cgroups?.limit(child.pid, { memoryMiB: spec.memoryMiB, cpu: spec.cpu });
      } catch (error) {
        limitError = error as Error;
        child.kill('SIGKILL');
      }
    }
    const started = await new Promise<true | Error>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (error) => resolve(error));
    });
    if (started !== true) {
      throw new StartError(`CannotStartContainerError: ${file}: ${started.message}`);
    }
    const pid = child.pid as number;
    if (limitError) {
      this.options.cgroups?.release(pid);
      throw new StartError(
        `CannotStartContainerError: the cpu/memory limits could not be applied: ${limitError.message}`,
      );
    }
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      createInterface({ input: source }).on('line', (line) => onLog(stream, line));
    }
    const exited = new Promise<ContainerExit>((resolve) => {
      child.once('close', (code, signal) => {
        const oom = signal === 'SIGKILL' && this.options.cgroups?.oomKilled(pid);
        this.options.cgroups?.release(pid);
        if (oom) resolve({ exitCode: null, signal, reason: OOM_REASON });
        else resolve(signal ? { exitCode: null, signal } : { exitCode: code });
      });
    });
    return { id: String(pid), exited };
  }

  async signal(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const pid = Number(id);
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone: stopping what has stopped is not an error.
      }
    }
  }

  async reattach(id: string): Promise<RunningContainer | undefined> {
    const pid = Number(id);
    if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
    // Not our child: its exit code cannot be read, only that it ended.
    const exited = new Promise<ContainerExit>((resolve) => {
      const timer = setInterval(() => {
        if (!isAlive(pid)) {
          clearInterval(timer);
          this.options.cgroups?.release(pid);
          resolve({ exitCode: null, reason: 'the process ended while eddy was not attached to it' });
        }
      }, this.options.reattachPollMs ?? 1000);
    });
    return { id, exited };
  }
}
