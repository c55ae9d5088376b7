// CPU and memory limits for local processes, through Linux control groups: a group per process
// under `eddy-tasks`, on cgroup v2 (the unified hierarchy) or v1 (one hierarchy per controller).
// Creating groups needs root or a delegated hierarchy; where the OS does not allow it, `probe`
// says why and processes run unlimited.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResourceLimits {
  /** Hard memory limit, swap included. */
  memoryMiB?: number;
  /** CPU units: 1024 = one CPU's time. */
  cpu?: number;
}

/** CFS period: the quota is a share of every 100 ms. */
const PERIOD_US = 100_000;
const GROUP = 'eddy-tasks';

/** What a limit is written as, file by file, relative to the process's group(s). */
export function limitFiles(
  version: 1 | 2,
  limits: ResourceLimits,
): Array<[controller: string, file: string, value: string]> {
  const files: Array<[string, string, string]> = [];
  const quota = limits.cpu ? Math.max(1000, Math.round((limits.cpu / 1024) * PERIOD_US)) : undefined;
  const bytes = limits.memoryMiB ? String(limits.memoryMiB * 1024 * 1024) : undefined;
  if (version === 2) {
    if (bytes) files.push(['memory', 'memory.max', bytes], ['memory', 'memory.swap.max', '0']);
    if (quota) files.push(['cpu', 'cpu.max', `${quota} ${PERIOD_US}`]);
  } else {
    if (bytes) files.push(['memory', 'memory.limit_in_bytes', bytes]);
    if (quota)
      files.push(['cpu', 'cpu.cfs_period_us', String(PERIOD_US)], ['cpu', 'cpu.cfs_quota_us', String(quota)]);
  }
  return files;
}

export class Cgroups {
  /** Undefined when limits can be applied; otherwise why not. */
  readonly unavailable: string | undefined;
  private readonly version: 1 | 2;

  constructor(private readonly root = '/sys/fs/cgroup') {
    this.version = existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
    this.unavailable = this.prepare();
  }

  /** Puts process `pid` in a group of its own with these limits. Throws when the OS refuses. */
  limit(pid: number, limits: ResourceLimits): void {
    const files = limitFiles(this.version, limits);
    if (files.length === 0 || this.unavailable) return;
    for (const controller of new Set(files.map(([name]) => name))) {
      mkdirSync(this.groupOf(controller, pid), { recursive: true });
    }
    for (const [controller, file, value] of files)
      writeFileSync(join(this.groupOf(controller, pid), file), value);
    for (const controller of new Set(files.map(([name]) => name))) {
      writeFileSync(join(this.groupOf(controller, pid), 'cgroup.procs'), String(pid));
    }
  }

  /** Removes the groups of a process that has ended (there may be none). */
  release(pid: number): void {
    for (const controller of this.version === 2 ? ['memory'] : ['memory', 'cpu']) {
      try {
        rmdirSync(this.groupOf(controller, pid));
      } catch {
        // never created, or already removed
      }
    }
  }

  /** Whether a group of this process was killed for memory (v2 counts oom_kill; v1 flags under_oom). */
  oomKilled(pid: number): boolean {
    try {
      const events = readFileSync(
        join(this.groupOf('memory', pid), this.version === 2 ? 'memory.events' : 'memory.oom_control'),
        'utf8',
      );
      const count = /oom_kill (\d+)/.exec(events)?.[1];
      return count !== undefined && Number(count) > 0;
    } catch {
      return false;
    }
  }

  private groupOf(controller: string, pid: number): string {
    return this.version === 2
      ? join(this.root, GROUP, String(pid))
      : join(this.root, controller, GROUP, String(pid));
  }

  /** Makes the `eddy-tasks` parent group(s); returns why that failed. */
  private prepare(): string | undefined {
    try {
      if (this.version === 2) {
        // Controllers must be enabled on the way down: at the root, then in eddy's group.
        writeFileSync(join(this.root, 'cgroup.subtree_control'), '+memory +cpu');
        mkdirSync(join(this.root, GROUP), { recursive: true });
        writeFileSync(join(this.root, GROUP, 'cgroup.subtree_control'), '+memory +cpu');
      } else {
        for (const controller of ['memory', 'cpu'])
          mkdirSync(join(this.root, controller, GROUP), { recursive: true });
      }
      return undefined;
    } catch (error) {
      return `control groups under ${this.root} cannot be made (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); run eddy as root or in a delegated cgroup`;
    }
  }
}
