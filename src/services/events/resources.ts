// What buses, rules and targets are in memory and in their rows: a bus holds its rules and one
// compiled matcher over their patterns; a bus is named by its name or its ARN.
import type { EventBridge } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import { type BusMatcher, createMatcher } from './matcher.ts';

/** A target as PutTargets gave it and ListTargetsByRule shows it. */
export type Target = EventBridge.Target;

export interface Rule {
  id: number;
  bus: Bus;
  name: string;
  arn: string;
  eventPattern: string | undefined;
  schedule: string | undefined;
  state: EventBridge.RuleState;
  description: string | undefined;
  roleArn: string | undefined;
  managedBy: string | undefined;
  createdBy: string;
  tags: Record<string, string>;
  targets: Map<string, Target>;
}

export interface Bus {
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  description: string | undefined;
  kmsKey: string | undefined;
  deadLetterArn: string | undefined;
  policy: Record<string, unknown> | undefined;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  rules: Map<string, Rule>;
  matcher: BusMatcher;
  /** The rules in `matcher` (enabled, with a pattern), by the id the matcher answers with. */
  matchable: Map<string, Rule>;
}

export interface BusRow {
  id: number;
  account: string;
  region: string;
  name: string;
  description: string | null;
  kms_key: string | null;
  dead_letter_arn: string | null;
  policy: string | null;
  tags: string;
  created_at: number;
  modified_at: number;
}

export interface RuleRow {
  id: number;
  bus_id: number;
  name: string;
  event_pattern: string | null;
  schedule: string | null;
  state: string;
  description: string | null;
  role_arn: string | null;
  managed_by: string | null;
  created_by: string;
  tags: string;
}

export interface BusSettings {
  description?: string | undefined;
  kmsKey?: string | undefined;
  deadLetterArn?: string | undefined;
}

export const busKey = (account: string, region: string, name: string) => `${account}/${region}/${name}`;
const orUndefined = <T>(value: T | null): T | undefined => value ?? undefined;

export function toBus(row: BusRow): Bus {
  return {
    id: row.id,
    account: row.account,
    region: row.region,
    name: row.name,
    arn: formatArn({
      service: 'events',
      region: row.region,
      accountId: row.account,
      resource: `event-bus/${row.name}`,
    }),
    description: orUndefined(row.description),
    kmsKey: orUndefined(row.kms_key),
    deadLetterArn: orUndefined(row.dead_letter_arn),
    policy: row.policy ? (JSON.parse(row.policy) as Record<string, unknown>) : undefined,
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: Number(row.created_at),
    modifiedAt: Number(row.modified_at),
    rules: new Map(),
    matcher: createMatcher(),
    matchable: new Map(),
  };
}

export function toRule(row: RuleRow, bus: Bus): Rule {
  const resource = bus.name === 'default' ? `rule/${row.name}` : `rule/${bus.name}/${row.name}`;
  return {
    id: row.id,
    bus,
    name: row.name,
    arn: formatArn({ service: 'events', region: bus.region, accountId: bus.account, resource }),
    eventPattern: orUndefined(row.event_pattern),
    schedule: orUndefined(row.schedule),
    state: row.state as EventBridge.RuleState,
    description: orUndefined(row.description),
    roleArn: orUndefined(row.role_arn),
    managedBy: orUndefined(row.managed_by),
    createdBy: row.created_by,
    tags: JSON.parse(row.tags) as Record<string, string>,
    targets: new Map(),
  };
}

/** A bus is named by its name or its ARN. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return 'default';
  const parsed = parseArn(nameOrArn);
  if (parsed?.service === 'events' && parsed.resource.startsWith('event-bus/')) {
    return parsed.resource.slice('event-bus/'.length);
  }
  return nameOrArn;
}

/** The enabled rules of the bus whose patterns match the event's JSON text. */
export function matchingRules(bus: Bus, eventJson: string): Rule[] {
  const rules: Rule[] = [];
  for (const id of bus.matcher.matches(eventJson)) {
    const rule = bus.matchable.get(id);
    if (rule) rules.push(rule);
  }
  return rules;
}
