// Exit records: Linux gives a process's exit status only to its parent, and after a restart eddy
// is no longer the parent of the tasks it re-attaches. So each task process runs under a small
// `sh` watcher (its parent, which outlives eddy) that writes the status to a file when the task
// ends. eddy reads it whether it watched the whole run or re-attached halfway.
import { accessSync, constants as fsConstants, readFileSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ContainerExit } from './port.ts';

/**
 * The watcher, run as `sh -c WATCHER eddy-task DIR FILE ARGS…`. It waits for eddy's go-ahead on
 * stdin (so cpu/memory limits are in place before the task exists), starts the task in a session
 * of its own (signals to its group never reach the watcher), reports the task's pid on fd 3 and
 * in `DIR/PID.watcher`, ignores the signals of eddy's terminal, and writes `DIR/PID.exit` atomically.
 */
export const WATCHER = [
  'dir=$1; shift',
  'read -r go || exit 125',
  '/usr/bin/setsid "$@" </dev/null 3>&- &',
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

export class ExitRecords {
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

  /** Forgets task `pid` once its exit has been reported. */
  remove(pid: number): void {
    for (const suffix of ['exit', 'watcher', 'part'])
      rmSync(join(this.directory, `${pid}.${suffix}`), { force: true });
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
