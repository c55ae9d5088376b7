// The process runner: a container's command runs as a local process. Images map (in
// configuration) to a working directory and a default command.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
}

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

  constructor(private readonly options: ProcessRunnerOptions = {}) {}

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
    const started = await new Promise<true | Error>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', (error) => resolve(error));
    });
    if (started !== true) {
      throw new StartError(`CannotStartContainerError: ${file}: ${started.message}`);
    }
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      createInterface({ input: source }).on('line', (line) => onLog(stream, line));
    }
    const exited = new Promise<ContainerExit>((resolve) => {
      child.once('close', (code, signal) => {
        resolve(signal ? { exitCode: null, signal } : { exitCode: code });
      });
    });
    return { id: String(child.pid), exited };
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
          resolve({ exitCode: null, reason: 'the process ended while eddy was not attached to it' });
        }
      }, this.options.reattachPollMs ?? 1000);
    });
    return { id, exited };
  }
}
