// The process runner: a container's command runs as a local process. Images map (in
// configuration) to a working directory and a default command.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Cgroups } from './cgroups.ts';
import type { ContainerExit, ContainerSpec, LogListener, Runner, RunningContainer } from './port.ts';
import { StartError } from './port.ts';
import { exitOfStatus, type FollowedOutput, findExecutable, WATCHER, WatcherFiles } from './watcher.ts';

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
  /** Where task watchers keep exit statuses and output FIFOs (in the data directory: a restart finds them). */
  watcherDirectory?: string;
}

const OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';
const ENDED_WHILE_AWAY = 'The container ended while eddy was not running';
const UNKNOWN = 'The exit status is unknown';
/** How long output may stay open after its task ended (a child of the task may still hold it). */
const OUTPUT_GRACE_MS = 2000;
/** Where execvp looks when the environment has no PATH. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

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
  private readonly files: WatcherFiles;

  constructor(private readonly options: ProcessRunnerOptions = {}) {
    const directory = options.watcherDirectory ?? join(tmpdir(), 'eddy-task-exits');
    mkdirSync(directory, { recursive: true });
    this.files = new WatcherFiles(directory);
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
    const directory = mapping.workingDirectory ?? this.options.defaultDirectory ?? process.cwd();
    const executable = findExecutable(file, directory, spec.environment.PATH ?? DEFAULT_PATH);
    if (!executable) {
      throw new StartError(
        `CannotStartContainerError: ${file}: ${file.includes('/') ? 'no such executable file' : 'not found on the PATH'}`,
      );
    }
    // The watcher (see watcher.ts) is eddy's child, in a process group of its own so eddy's
    // Ctrl-C does not reach it; the task it starts has a session of its own, which signals reach.
    const watcher = spawn(
      '/bin/sh',
      ['-c', WATCHER, 'eddy-task', this.files.directory, executable, ...args],
      {
        cwd: directory,
        env: spec.environment,
        stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    // Limited at once, before this function yields: the task, not started yet, inherits the group.
    let limitError: Error | undefined;
    if (watcher.pid !== undefined) {
      try {
        this.options.cgroups?.limit(watcher.pid, { memoryMiB: spec.memoryMiB, cpu: spec.cpu });
      } catch (error) {
        limitError = error as Error;
        watcher.kill('SIGKILL');
      }
    }
    const started = await new Promise<true | Error>((resolve) => {
      watcher.once('spawn', () => resolve(true));
      watcher.once('error', (error) => resolve(error));
    });
    if (started !== true) {
      throw new StartError(`CannotStartContainerError: ${file}: ${started.message}`);
    }
    const watcherPid = watcher.pid as number;
    if (limitError) {
      this.options.cgroups?.release(watcherPid);
      this.files.removeOutput(watcherPid);
      throw new StartError(
        `CannotStartContainerError: the cpu/memory limits could not be applied: ${limitError.message}`,
      );
    }
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      watcher.once('close', (code, signal) => resolve({ code, signal }));
    });
    // The watcher's own complaints (a FIFO it could not make) are the task's too.
    if (watcher.stderr)
      createInterface({ input: watcher.stderr }).on('line', (line) => onLog('stderr', line));
    const launched = await this.handshake(watcher, watcherPid, onLog);
    if (!launched) {
      await closed;
      this.options.cgroups?.release(watcherPid);
      this.files.removeOutput(watcherPid);
      throw new StartError(`CannotStartContainerError: ${file}: the process could not be started`);
    }
    const { pid, output } = launched;
    // The watcher exits with the task's status; killed itself, it leaves the status unknown.
    const exited = closed.then(async ({ code, signal }) => {
      await output.drained(OUTPUT_GRACE_MS);
      return this.finish(
        pid,
        watcherPid,
        code ?? undefined,
        signal ? `${UNKNOWN}: its watcher was killed (${signal})` : undefined,
      );
    });
    return { id: String(pid), exited };
  }

  /**
   * The watcher says `ready` once its FIFOs exist; eddy opens their readers, says `go`, and the
   * watcher starts the task and reports its pid. Undefined when the watcher ended before that.
   */
  private async handshake(
    watcher: ChildProcess,
    watcherPid: number,
    onLog: LogListener,
  ): Promise<{ pid: number; output: FollowedOutput } | undefined> {
    const reports = createInterface({ input: watcher.stdio[3] as Readable });
    const report = () =>
      new Promise<string | undefined>((resolve) => {
        reports.once('line', resolve);
        reports.once('close', () => resolve(undefined));
      });
    try {
      if ((await report()) !== 'ready') return undefined;
      const output = this.files.follow(watcherPid, onLog);
      watcher.stdin?.end('go\n');
      const pid = Number(await report());
      if (Number.isInteger(pid) && pid > 0) return { pid, output };
      await output.drained(0);
      return undefined;
    } finally {
      reports.close();
    }
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

  async reattach(id: string, onLog: LogListener): Promise<RunningContainer | undefined> {
    const pid = Number(id);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const watcher = this.files.watcher(pid);
    const recorded = this.files.status(pid);
    if (watcher !== undefined && recorded !== undefined) {
      return { id, exited: Promise.resolve(this.finish(pid, watcher, recorded, ENDED_WHILE_AWAY)) };
    }
    if (watcher !== undefined && isAlive(watcher)) {
      // Its output resumes where eddy left it: what was written meanwhile waited in the FIFOs.
      const output = this.files.follow(watcher, onLog);
      const exited = this.whenGone(watcher).then(async () => {
        await output.drained(OUTPUT_GRACE_MS);
        const status = this.files.status(pid);
        return this.finish(
          pid,
          watcher,
          status,
          status === undefined ? `${UNKNOWN}: its watcher recorded none` : undefined,
        );
      });
      return { id, exited };
    }
    if (!isAlive(pid)) {
      this.files.remove(pid, watcher ?? pid);
      return undefined;
    }
    // Started by an eddy that kept no exit records, or its watcher was killed: only the end is known.
    const exited = this.whenGone(pid).then(() =>
      this.finish(
        pid,
        watcher ?? pid,
        undefined,
        `${UNKNOWN}: it ended while eddy was not attached to it, and no watcher recorded it`,
      ),
    );
    return { id, exited };
  }

  /** Resolves once process `pid` has ended (it is not eddy's child: it is polled). */
  private whenGone(pid: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (isAlive(pid)) return;
        clearInterval(timer);
        resolve();
      }, this.options.reattachPollMs ?? 1000);
    });
  }

  /** How task `pid` ended (its status, when known); its watcher's group and exit record are released. */
  private finish(pid: number, watcher: number, status: number | undefined, reason?: string): ContainerExit {
    const exit: ContainerExit = status === undefined ? { exitCode: null } : exitOfStatus(status);
    const oom = exit.signal === 'SIGKILL' && this.options.cgroups?.oomKilled(watcher);
    this.options.cgroups?.release(watcher);
    this.files.remove(pid, watcher);
    const why = oom ? OOM_REASON : reason;
    return why ? { ...exit, reason: why } : exit;
  }
}
