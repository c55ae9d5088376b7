// Activities: named queues of tasks that workers take with GetActivityTask (a long poll held up
// to 60 s, answered as soon as a task is queued — on this node or, through the cluster's signals,
// another) and finish with SendTaskSuccess / SendTaskFailure, keeping them alive with
// SendTaskHeartbeat. A queued task is a row in sfn_tasks; taking it is a write the store
// serializes, so two workers never get one task.
import type { Handlers, StepFunctions } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Engine } from './engine.ts';
import { activityDoesNotExist } from './errors.ts';
import type { ActivityQueue } from './integrations.ts';
import { activityArn, checkName, parseStatesArn, scopeOf } from './names.ts';
import { isString, pageSize, readToken, writeToken } from './paging.ts';
import { addTags } from './tags.ts';
import { claimActivityTask } from './task-rows.ts';

/** How long GetActivityTask waits for a task before it answers with none. */
export const POLL_MS = 60_000;
const SIGNAL = 'sfn-activity';

interface ActivityRow {
  arn: string;
  name: string;
  encryption: string | null;
  created_at: number;
}

type ActivityOperations = Pick<
  StepFunctions.Operations,
  'CreateActivity' | 'DeleteActivity' | 'DescribeActivity' | 'ListActivities' | 'GetActivityTask'
>;

export class Activities implements ActivityQueue {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly engine: Engine,
  ) {
    runtime.cluster.onSignal(SIGNAL, (arn) => (arn === '' ? this.wakeAll() : this.wake(arn)));
  }

  async exists(tx: Tx, arn: string): Promise<boolean> {
    return (await tx.get('SELECT arn FROM sfn_activities WHERE arn = ?', [arn])) !== undefined;
  }

  /** A task was queued for the activity in `tx`: its pollers wake once that commits, here and elsewhere. */
  async queued(tx: Tx, arn: string): Promise<void> {
    await this.runtime.cluster.signal(tx, SIGNAL, arn);
    this.engine.after(tx, () => this.wake(arn));
  }

  private wake(arn: string): void {
    const waiters = this.waiting.get(arn);
    if (!waiters) return;
    this.waiting.delete(arn);
    for (const wake of waiters) wake();
  }

  wakeAll(): void {
    for (const arn of [...this.waiting.keys()]) this.wake(arn);
  }

  count(): number {
    let total = 0;
    for (const set of this.waiting.values()) total += set.size;
    return total;
  }

  /** Resolves when the activity may have a task, at `until`, or when `signal` aborts. */
  private enlist(
    arn: string,
    until: number,
    signal: AbortSignal,
  ): { woken: Promise<void>; leave: () => void } {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    let set = this.waiting.get(arn);
    if (!set) {
      set = new Set();
      this.waiting.set(arn, set);
    }
    set.add(wake);
    const cancelAlarm = this.runtime.clock.setAlarm(until, wake);
    signal.addEventListener('abort', wake, { once: true });
    return {
      woken,
      leave: () => {
        cancelAlarm();
        signal.removeEventListener('abort', wake);
        const current = this.waiting.get(arn);
        current?.delete(wake);
        if (current?.size === 0) this.waiting.delete(arn);
      },
    };
  }

  handlers(): Handlers<ActivityOperations> {
    const { store, clock } = this.runtime;
    return {
      CreateActivity: async (input, context) => {
        checkName(input.name);
        const scope = scopeOf(context);
        const arn = activityArn(scope, input.name);
        return store.write(async (tx) => {
          const existing = await tx.get<ActivityRow>('SELECT * FROM sfn_activities WHERE arn = ?', [arn]);
          if (existing) return { activityArn: arn, creationDate: new Date(Number(existing.created_at)) };
          const now = clock.now();
          await tx.run(
            'INSERT INTO sfn_activities (arn, account, region, name, encryption, created_at) VALUES (?, ?, ?, ?, ?, ?)',
            [
              arn,
              scope.account,
              scope.region,
              input.name,
              input.encryptionConfiguration ? JSON.stringify(input.encryptionConfiguration) : null,
              now,
            ],
          );
          await addTags(tx, arn, input.tags);
          return { activityArn: arn, creationDate: new Date(now) };
        });
      },

      DeleteActivity: async (input) => {
        parseStatesArn(input.activityArn, ['activity']);
        await store.write(async (tx) => {
          await tx.run('DELETE FROM sfn_activities WHERE arn = ?', [input.activityArn]);
          await tx.run('DELETE FROM sfn_tags WHERE resource_arn = ?', [input.activityArn]);
        });
        return {};
      },

      DescribeActivity: async (input) => {
        parseStatesArn(input.activityArn, ['activity']);
        const row = await store.read((tx) =>
          tx.get<ActivityRow>('SELECT * FROM sfn_activities WHERE arn = ?', [input.activityArn]),
        );
        if (!row) throw activityDoesNotExist(input.activityArn);
        return {
          activityArn: row.arn,
          name: row.name,
          creationDate: new Date(Number(row.created_at)),
          encryptionConfiguration: row.encryption
            ? (JSON.parse(row.encryption) as StepFunctions.EncryptionConfiguration)
            : { type: 'AWS_OWNED_KEY' },
        };
      },

      ListActivities: async (input, context) => {
        const scope = scopeOf(context);
        const after = readToken(input.nextToken, isString);
        const size = pageSize(input.maxResults);
        const rows = await store.read((tx) =>
          tx.all<ActivityRow>(
            `SELECT * FROM sfn_activities WHERE account = ? AND region = ?${after === undefined ? '' : ' AND name > ?'}
             ORDER BY name LIMIT ?`,
            after === undefined
              ? [scope.account, scope.region, size + 1]
              : [scope.account, scope.region, after, size + 1],
          ),
        );
        const page = rows.slice(0, size);
        return {
          activities: page.map((row) => ({
            activityArn: row.arn,
            name: row.name,
            creationDate: new Date(Number(row.created_at)),
          })),
          ...(rows.length > size ? { nextToken: writeToken(page.at(-1)!.name) } : {}),
        };
      },

      GetActivityTask: async (input, context) => {
        const arn = input.activityArn;
        parseStatesArn(arn, ['activity']);
        if (!(await store.read((tx) => this.exists(tx, arn)))) throw activityDoesNotExist(arn);
        const until = clock.now() + POLL_MS;
        for (;;) {
          // Enlisted before looking: a task queued between the look and the wait still wakes it.
          const waiter = this.enlist(arn, until, context.signal);
          try {
            if (context.signal.aborted) return {};
            const task = await store.write(async (tx) => {
              const row = await claimActivityTask(tx, arn, input.workerName ?? '');
              if (row) await this.engine.activityStarted(tx, row, input.workerName);
              return row;
            });
            if (task) return { taskToken: task.token, input: this.inputOf(task.input) };
            if (clock.now() >= until) return {};
            await waiter.woken;
          } finally {
            waiter.leave();
          }
        }
      },
    };
  }

  private inputOf(saved: string | null): string {
    return JSON.stringify((JSON.parse(saved ?? '{}') as { parameters?: unknown }).parameters ?? {});
  }
}
