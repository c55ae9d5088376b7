// Task definitions in the store: families whose revisions count up and are never reused, ACTIVE →
// INACTIVE (deregistered) → DELETE_IN_PROGRESS (deleted, kept while a task still uses it).
import type { Store, Tx } from '../../store/index.ts';
import { rootArn } from './api.ts';
import { checkDefinition, type RegisterInput } from './definition-input.ts';
import { clientException } from './errors.ts';
import { type Scope, taskDefinitionArn, taskDefinitionRef } from './names.ts';
import { checkTags } from './tags.ts';
import type { Tag, TaskDefinition } from './types.ts';

interface DefinitionRow {
  body: string;
  tags: string;
}

export interface StoredDefinition {
  definition: TaskDefinition;
  tags: Tag[];
}

const read = (row: DefinitionRow): StoredDefinition => ({
  definition: JSON.parse(row.body) as TaskDefinition,
  tags: JSON.parse(row.tags) as Tag[],
});

export class TaskDefinitions {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async register(scope: Scope, input: RegisterInput): Promise<StoredDefinition> {
    const checked = checkDefinition(input);
    const tags = checkTags(input.tags);
    return this.store.write(async (tx) => {
      const family = await tx.get<{ last_revision: number }>(
        'SELECT last_revision FROM ecs_families WHERE account = ? AND region = ? AND family = ?',
        [scope.account, scope.region, checked.family],
      );
      const revision = Number(family?.last_revision ?? 0) + 1;
      await tx.run(
        `INSERT INTO ecs_families (account, region, family, last_revision) VALUES (?, ?, ?, ?)
         ON CONFLICT (account, region, family) DO UPDATE SET last_revision = excluded.last_revision`,
        [scope.account, scope.region, checked.family, revision],
      );
      const definition: TaskDefinition = {
        taskDefinitionArn: taskDefinitionArn(scope, checked.family, revision),
        ...checked,
        revision,
        status: 'ACTIVE',
        registeredAt: this.now(),
        registeredBy: rootArn(scope.account),
      };
      await this.save(tx, scope, definition, tags, true);
      return { definition, tags };
    });
  }

  /** A revision by `family`, `family:revision` or ARN; a bare family means its latest ACTIVE revision. */
  async find(scope: Scope, text: string): Promise<StoredDefinition | undefined> {
    const ref = taskDefinitionRef(text);
    if (!ref) return undefined;
    const row = await this.store.read((tx) =>
      ref.revision === undefined
        ? tx.get<DefinitionRow>(
            `SELECT body, tags FROM ecs_task_definitions WHERE account = ? AND region = ? AND family = ?
             AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1`,
            [scope.account, scope.region, ref.family],
          )
        : tx.get<DefinitionRow>(
            'SELECT body, tags FROM ecs_task_definitions WHERE account = ? AND region = ? AND family = ? AND revision = ?',
            [scope.account, scope.region, ref.family, ref.revision],
          ),
    );
    return row ? read(row) : undefined;
  }

  async deregister(scope: Scope, text: string): Promise<TaskDefinition> {
    const ref = taskDefinitionRef(text);
    if (ref && ref.revision === undefined)
      throw clientException(`Invalid revision number. Number: ${text} names no revision (family:revision).`);
    const found = await this.find(scope, text);
    if (!found || found.definition.status === 'DELETE_IN_PROGRESS')
      throw clientException('The specified task definition does not exist.');
    if (found.definition.status === 'INACTIVE') return found.definition;
    const definition: TaskDefinition = {
      ...found.definition,
      status: 'INACTIVE',
      deregisteredAt: this.now(),
    };
    await this.store.write((tx) => this.save(tx, scope, definition, found.tags, false));
    return definition;
  }

  /** Marks INACTIVE revisions DELETE_IN_PROGRESS; the failures say why the others were not. */
  async delete(scope: Scope, texts: string[]) {
    const deleted: TaskDefinition[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const text of texts) {
      const ref = taskDefinitionRef(text);
      const found = ref?.revision === undefined ? undefined : await this.find(scope, text);
      if (!found) {
        failures.push({ arn: text, reason: 'The specified task definition does not exist.' });
        continue;
      }
      if (found.definition.status === 'ACTIVE') {
        failures.push({
          arn: found.definition.taskDefinitionArn,
          reason:
            'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
        });
        continue;
      }
      const definition: TaskDefinition = { ...found.definition, status: 'DELETE_IN_PROGRESS' };
      await this.store.write((tx) => this.save(tx, scope, definition, found.tags, false));
      deleted.push(definition);
    }
    return { deleted, failures };
  }

  /** Removes deleted revisions that no task still running uses. */
  async purgeDeleted(): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `DELETE FROM ecs_task_definitions WHERE status = 'DELETE_IN_PROGRESS' AND NOT EXISTS (
           SELECT 1 FROM ecs_tasks t WHERE t.last_status <> 'STOPPED'
             AND t.account = ecs_task_definitions.account AND t.region = ecs_task_definitions.region
             AND t.family = ecs_task_definitions.family)`,
      ),
    );
  }

  async setTags(scope: Scope, definition: TaskDefinition, tags: Tag[]): Promise<void> {
    await this.store.write((tx) => this.save(tx, scope, definition, tags, false));
  }

  /** Every revision of a scope with a status, in family then revision order. */
  async all(scope: Scope, status?: string): Promise<TaskDefinition[]> {
    const rows = await this.store.read((tx) =>
      tx.all<DefinitionRow>(
        `SELECT body, tags FROM ecs_task_definitions WHERE account = ? AND region = ?
         ${status ? 'AND status = ?' : ''} ORDER BY family, revision`,
        status ? [scope.account, scope.region, status] : [scope.account, scope.region],
      ),
    );
    return rows.map((row) => read(row).definition);
  }

  private async save(tx: Tx, scope: Scope, definition: TaskDefinition, tags: Tag[], insert: boolean) {
    const params = [definition.status, JSON.stringify(definition), JSON.stringify(tags)];
    const key = [scope.account, scope.region, definition.family, definition.revision];
    if (insert) {
      await tx.run(
        'INSERT INTO ecs_task_definitions (status, body, tags, account, region, family, revision) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [...params, ...key],
      );
    } else {
      await tx.run(
        'UPDATE ecs_task_definitions SET status = ?, body = ?, tags = ? WHERE account = ? AND region = ? AND family = ? AND revision = ?',
        [...params, ...key],
      );
    }
  }
}
