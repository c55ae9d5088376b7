// Daemon task definitions (RegisterDaemonTaskDefinition, DescribeDaemonTaskDefinition,
// ListDaemonTaskDefinitions, DeleteDaemonTaskDefinition): families of revisions of their own,
// apart from task definitions, ACTIVE until deleted (DELETE_IN_PROGRESS while a daemon still
// uses one, DELETED once none does). Revisions are never reused.
import type { Ecs } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { dateOf, type EcsHandlers, rootArn, scopeOf } from './api.ts';
import { clientException } from './errors.ts';
import { RESOURCE_NAME, type Scope } from './names.ts';
import { page, pageSize } from './paging.ts';
import { checkTags } from './tags.ts';
import type { Tag } from './types.ts';

export interface DaemonDefinitionRecord {
  daemonTaskDefinitionArn: string;
  family: string;
  revision: number;
  taskRoleArn?: string;
  executionRoleArn?: string;
  containerDefinitions: Array<Ecs.DaemonContainerDefinition & { name: string }>;
  volumes: Ecs.DaemonVolume[];
  cpu?: string;
  memory?: string;
  status: Ecs.DaemonTaskDefinitionStatus;
  registeredAt: number;
  registeredBy: string;
  deleteRequestedAt?: number;
  tags: Tag[];
}

/** `family`, `family:revision` or the ARN, split; a revision of undefined means the latest ACTIVE one. */
function reference(text: string): { family: string; revision: number | undefined } | undefined {
  const parsed = parseArn(text);
  let rest = text;
  if (parsed) {
    if (parsed.service !== 'ecs' || !parsed.resource.startsWith('daemon-task-definition/')) return undefined;
    rest = parsed.resource.slice('daemon-task-definition/'.length);
  }
  const [family = '', revision, ...extra] = rest.split(':');
  if (extra.length > 0 || !RESOURCE_NAME.test(family)) return undefined;
  if (revision === undefined) return { family, revision: undefined };
  return /^[1-9]\d{0,9}$/.test(revision) ? { family, revision: Number(revision) } : undefined;
}

export class DaemonDefinitions {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async register(
    scope: Scope,
    input: Ecs.RegisterDaemonTaskDefinitionRequest,
  ): Promise<DaemonDefinitionRecord> {
    if (!RESOURCE_NAME.test(input.family))
      throw clientException(
        'Family name can contain only letters (uppercase and lowercase), numbers, hyphens, and underscores, and be 1-255 characters long.',
      );
    if (input.containerDefinitions.length === 0) throw clientException('Container list cannot be empty.');
    const names = new Set<string>();
    const containers = input.containerDefinitions.map((container) => {
      if (!container.name) throw clientException('Container.name should not be null or empty.');
      if (!RESOURCE_NAME.test(container.name))
        throw clientException(
          `Container name '${container.name}' can contain only letters (uppercase and lowercase), numbers, hyphens, and underscores, and be 1-255 characters long.`,
        );
      if (!container.image) throw clientException('Container.image should not be null or empty.');
      if (names.has(container.name)) throw clientException('Duplicate container names are not allowed.');
      names.add(container.name);
      return { ...container, name: container.name, essential: container.essential ?? true };
    });
    const tags = checkTags(input.tags);
    return this.store.write(async (tx) => {
      const last = await tx.get<{ revision: number | null }>(
        'SELECT MAX(revision) AS revision FROM ecs_daemon_task_definitions WHERE account = ? AND region = ? AND family = ?',
        [scope.account, scope.region, input.family],
      );
      const revision = Number(last?.revision ?? 0) + 1;
      const record: DaemonDefinitionRecord = {
        daemonTaskDefinitionArn: formatArn({
          service: 'ecs',
          region: scope.region,
          accountId: scope.account,
          resource: `daemon-task-definition/${input.family}:${revision}`,
        }),
        family: input.family,
        revision,
        ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
        ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
        containerDefinitions: containers,
        volumes: input.volumes ?? [],
        ...(input.cpu ? { cpu: input.cpu } : {}),
        ...(input.memory ? { memory: input.memory } : {}),
        status: 'ACTIVE',
        registeredAt: this.now(),
        registeredBy: rootArn(scope.account),
        tags,
      };
      await tx.run(
        'INSERT INTO ecs_daemon_task_definitions (account, region, family, revision, status, body) VALUES (?, ?, ?, ?, ?, ?)',
        [scope.account, scope.region, input.family, revision, record.status, JSON.stringify(record)],
      );
      return record;
    });
  }

  async find(scope: Scope, text: string): Promise<DaemonDefinitionRecord | undefined> {
    const ref = reference(text);
    if (!ref) return undefined;
    const row = await this.store.read((tx) =>
      ref.revision === undefined
        ? tx.get<{ body: string }>(
            `SELECT body FROM ecs_daemon_task_definitions WHERE account = ? AND region = ? AND family = ?
             AND status = 'ACTIVE' ORDER BY revision DESC LIMIT 1`,
            [scope.account, scope.region, ref.family],
          )
        : tx.get<{ body: string }>(
            'SELECT body FROM ecs_daemon_task_definitions WHERE account = ? AND region = ? AND family = ? AND revision = ?',
            [scope.account, scope.region, ref.family, ref.revision],
          ),
    );
    return row ? (JSON.parse(row.body) as DaemonDefinitionRecord) : undefined;
  }

  async all(scope: Scope): Promise<DaemonDefinitionRecord[]> {
    const rows = await this.store.read((tx) =>
      tx.all<{ body: string }>(
        'SELECT body FROM ecs_daemon_task_definitions WHERE account = ? AND region = ? ORDER BY family, revision',
        [scope.account, scope.region],
      ),
    );
    return rows.map((row) => JSON.parse(row.body) as DaemonDefinitionRecord);
  }

  async save(scope: Scope, record: DaemonDefinitionRecord): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        'UPDATE ecs_daemon_task_definitions SET status = ?, body = ? WHERE account = ? AND region = ? AND family = ? AND revision = ?',
        [record.status, JSON.stringify(record), scope.account, scope.region, record.family, record.revision],
      ),
    );
  }
}

export function presentDaemonDefinition(record: DaemonDefinitionRecord): Ecs.DaemonTaskDefinition {
  const { tags: _tags, registeredAt, deleteRequestedAt, ...rest } = record;
  return { ...rest, registeredAt: new Date(registeredAt), deleteRequestedAt: dateOf(deleteRequestedAt) };
}

const revisionKey = (record: DaemonDefinitionRecord) =>
  `${record.family}:${String(record.revision).padStart(10, '0')}`;

export function daemonDefinitionHandlers(deps: {
  definitions: DaemonDefinitions;
  now: () => number;
  /** Whether an ACTIVE daemon still runs this revision (its deletion then stays in progress). */
  inUse: (scope: Scope, arn: string) => Promise<boolean>;
}) {
  const { definitions } = deps;
  return {
    async RegisterDaemonTaskDefinition(input, context) {
      const record = await definitions.register(scopeOf(context), input);
      return { daemonTaskDefinitionArn: record.daemonTaskDefinitionArn };
    },

    async DescribeDaemonTaskDefinition(input, context) {
      const record = await definitions.find(scopeOf(context), input.daemonTaskDefinition);
      if (!record) throw clientException('Unable to describe daemon task definition.');
      return { daemonTaskDefinition: presentDaemonDefinition(record) };
    },

    async ListDaemonTaskDefinitions(input, context) {
      const status = input.status ?? 'ACTIVE';
      let all = (await definitions.all(scopeOf(context))).filter(
        (record) =>
          (status === 'ALL' || record.status === status) &&
          (input.family === undefined || record.family === input.family) &&
          (input.familyPrefix === undefined || record.family.startsWith(input.familyPrefix)),
      );
      if (input.revision === 'LAST_REGISTERED')
        all = all.filter(
          (record) =>
            !all.some((other) => other.family === record.family && other.revision > record.revision),
        );
      const descending = input.sort === 'DESC';
      if (descending) all.reverse();
      const { items, nextToken } = page(
        all,
        revisionKey,
        input.nextToken,
        pageSize(input.maxResults, 100),
        descending,
      );
      return {
        daemonTaskDefinitions: items.map((record) => ({
          arn: record.daemonTaskDefinitionArn,
          registeredAt: new Date(record.registeredAt),
          registeredBy: record.registeredBy,
          deleteRequestedAt: dateOf(record.deleteRequestedAt),
          status: record.status,
        })),
        nextToken,
      };
    },

    async DeleteDaemonTaskDefinition(input, context) {
      const scope = scopeOf(context);
      const ref = reference(input.daemonTaskDefinition);
      const record =
        ref?.revision === undefined ? undefined : await definitions.find(scope, input.daemonTaskDefinition);
      if (!record) throw clientException('The specified daemon task definition does not exist.');
      if (record.status !== 'ACTIVE')
        throw clientException('A daemon task definition must be in an ACTIVE state to be deleted.');
      const inUse = await deps.inUse(scope, record.daemonTaskDefinitionArn);
      await definitions.save(scope, {
        ...record,
        status: inUse ? 'DELETE_IN_PROGRESS' : 'DELETED',
        deleteRequestedAt: deps.now(),
      });
      return { daemonTaskDefinitionArn: record.daemonTaskDefinitionArn };
    },
  } satisfies Partial<EcsHandlers>;
}
