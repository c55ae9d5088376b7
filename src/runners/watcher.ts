// The watcher: Linux gives a process's exit status only to its parent, and after a restart eddy is
// no longer the parent of the tasks it re-attaches; and a task whose output pipe lost its reader
// (eddy, killed) dies of SIGPIPE at its next line. So each task process runs under a small `sh`
// watcher that outlives eddy: it is the task's parent and writes the exit status to a file, and
// the task writes its output into two FIFOs the watcher holds open. eddy reads both whether it
// watched the whole run or re-attached halfway; lines written meanwhile wait in the FIFO (64 KiB,
// then the task's writes block until eddy is back).
import { accessSync, constants as fsConstants, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ContainerExit, LogListener } from './port.ts';

/**
 * Run as `sh -c WATCHER eddy-task DIR FILE ARGS…`. It makes `DIR/WATCHER_PID.out|.err` and holds
 * them open read-write (so the task's writes never find them readerless), says `ready` on fd 3,
 * waits for eddy's go-ahead on stdin (eddy's readers are open, so no line is lost, and cpu/memory
 * limits are in place before the task exists), starts the task in
 * a session of its own (signals to its group never reach the watcher), reports the task's pid on
 * fd 3 and in `DIR/PID.watcher`, ignores the signals of eddy's terminal, and writes `DIR/PID.exit`
 * atomically when the task ends.
 */
export const WATCHER = [
  'dir=$1; shift',
  'out="$dir/$$.out"; err="$dir/$$.err"',
  'rm -f "$out" "$err"; mkfifo -m 600 "$out" "$err" || exit 125',
  'exec 4<>"$out" 5<>"$err"',
  'echo ready >&3',
  'read -r go || exit 125',
  '/usr/bin/setsid "$@" </dev/null >"$out" 2>"$err" 3>&- 4>&- 5>&- &',
  'task=$!',
  'echo $$ > "$dir/$task.watcher"',
  'echo "$task" >&3; exec 3>&-',
  "trap '' HUP INT TERM QUIT PIPE",
  'wait "$task"; status=$?',
  'echo "$status" > "$dir/$task.part" && mv -f "$dir/$task.part" "$dir/$task.exit"',
  'exit "$status"',
].join('\n');

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * A shell's exit status as a ContainerExit. Above 128 it means "killed by signal status − 128"
 * (a program that exits with such a number itself reads the same: the shell cannot tell them apart,
 * and ECS reports both as that number).
 */
export function exitOfStatus(status: number): ContainerExit {
  const signal = status > 128 ? signalNames.get(status - 128) : undefined;
  return signal ? { exitCode: null, signal } : { exitCode: status };
}

/** A task's output being read. */
export interface FollowedOutput {
  /** Resolves once both FIFOs reach their end, or `graceMs` after it is called. */
  drained(graceMs: number): Promise<void>;
}

/** The files of task watchers, in one directory: `PID.watcher`, `PID.exit`, `WATCHER.out|.err`. */
export class WatcherFiles {
  constructor(readonly directory: string) {}

  /** The status the watcher recorded for task `pid`, or undefined when it wrote none. */
  status(pid: number): number | undefined {
    try {
      const status = Number(readFileSync(join(this.directory, `${pid}.exit`), 'utf8').trim());
      return Number.isInteger(status) ? status : undefined;
    } catch {
      return undefined;
    }
  }

  /** The pid of task `pid`'s watcher, or undefined for a task started without one. */
  watcher(pid: number): number | undefined {
    try {
      const watcher = Number(readFileSync(join(this.directory, `${pid}.watcher`), 'utf8').trim());
      return Number.isInteger(watcher) && watcher > 0 ? watcher : undefined;
    } catch {
      return undefined;
    }
  }

  /** Forgets task `pid` (watched by `watcher`) once its exit has been reported. */
  remove(pid: number, watcher: number): void {
    for (const name of [`${pid}.exit`, `${pid}.watcher`, `${pid}.part`])
      rmSync(join(this.directory, name), { force: true });
    this.removeOutput(watcher);
  }

  /** Removes the FIFOs of a watcher that has ended. */
  removeOutput(watcher: number): void {
    for (const name of [`${watcher}.out`, `${watcher}.err`])
      rmSync(join(this.directory, name), { force: true });
  }

  /** Follows the task's output, line by line (a child of the task may hold it open past its end). */
  follow(watcher: number, onLog: LogListener): FollowedOutput {
    const followed = (['stdout', 'stderr'] as const).flatMap((stream) => {
      let fd: number;
      try {
        // Non-blocking, so the event loop reads it: a blocking FIFO read would hold a pool thread.
        fd = openSync(
          join(this.directory, `${watcher}.${stream === 'stdout' ? 'out' : 'err'}`),
          fsConstants.O_RDONLY | fsConstants.O_NONBLOCK,
        );
      } catch {
        return []; // a watcher that ended has taken its FIFOs' contents with it
      }
      const socket = new Socket({ fd, readable: true, writable: false });
      socket.on('error', () => socket.destroy());
      const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => onLog(stream, line));
      const closed = new Promise<void>((resolve) => lines.once('close', () => resolve()));
      return [{ socket, lines, closed }];
    });
    return {
      async drained(graceMs) {
        const timer = setTimeout(() => {
          for (const { socket, lines } of followed) {
            lines.close();
            socket.destroy();
          }
        }, graceMs);
        await Promise.all(followed.map(({ closed }) => closed));
        clearTimeout(timer);
      },
    };
  }
}

/**
 * The executable `file` names, found as execvp would (a name with a slash is a path from
 * `directory`; a bare name is looked up in PATH), or undefined when there is none to run.
 */
export function findExecutable(file: string, directory: string, path: string): string | undefined {
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(directory, file)]
    : path.split(delimiter).map((entry) => resolve(directory, entry || '.', file));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}
