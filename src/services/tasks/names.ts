// ECS names and ARNs: clusters, task definitions, tasks and containers, and how requests name them
// (a short name or a full ARN).
import { formatArn, parseArn } from '../../runtime/index.ts';

/** Cluster and family names: up to 255 letters, numbers, hyphens and underscores. */
export const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

export interface Scope {
  account: string;
  region: string;
}

const ecsArn = (scope: Scope, resource: string) =>
  formatArn({ service: 'ecs', region: scope.region, accountId: scope.account, resource });

export const clusterArn = (scope: Scope, name: string) => ecsArn(scope, `cluster/${name}`);
export const taskDefinitionArn = (scope: Scope, family: string, revision: number) =>
  ecsArn(scope, `task-definition/${family}:${revision}`);
export const taskArn = (scope: Scope, cluster: string, id: string) => ecsArn(scope, `task/${cluster}/${id}`);
export const serviceArn = (scope: Scope, cluster: string, name: string) =>
  ecsArn(scope, `service/${cluster}/${name}`);
export const containerArn = (scope: Scope, cluster: string, taskId: string, id: string) =>
  ecsArn(scope, `container/${cluster}/${taskId}/${id}`);

/** The cluster a request names: its short name or its ARN; absent means `default`. */
export function clusterNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return 'default';
  const parsed = parseArn(nameOrArn);
  if (parsed?.service === 'ecs' && parsed.resource.startsWith('cluster/')) {
    return parsed.resource.slice('cluster/'.length);
  }
  return nameOrArn;
}

/** `family`, `family:revision` or a task definition ARN, split; revision undefined means the latest. */
export function taskDefinitionRef(
  text: string,
): { family: string; revision: number | undefined } | undefined {
  const parsed = parseArn(text);
  let rest = text;
  if (parsed) {
    if (parsed.service !== 'ecs' || !parsed.resource.startsWith('task-definition/')) return undefined;
    rest = parsed.resource.slice('task-definition/'.length);
  }
  const [family = '', revision, ...extra] = rest.split(':');
  if (extra.length > 0 || !RESOURCE_NAME.test(family)) return undefined;
  if (revision === undefined) return parsed ? undefined : { family, revision: undefined };
  if (!/^[1-9]\d{0,9}$/.test(revision)) return undefined;
  return { family, revision: Number(revision) };
}

/** A task named by its id or ARN: the id, and the cluster the ARN names (new ARN format) if any. */
export function taskIdOf(text: string): { id: string; cluster: string | undefined } {
  const parsed = parseArn(text);
  if (parsed?.service === 'ecs' && parsed.resource.startsWith('task/')) {
    const parts = parsed.resource.split('/');
    return parts.length === 3
      ? { id: parts[2]!, cluster: parts[1] }
      : { id: parts[1] ?? '', cluster: undefined };
  }
  return { id: text, cluster: undefined };
}
