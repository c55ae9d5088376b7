// Subscription filter policies on the patterns module's SNS dialect: one compiled set per topic and
// scope, so a publish is matched against every subscription's policy at once.
import { PatternError, PatternSet, parsePattern } from '../../patterns/index.ts';
import { invalidParameter } from './errors.ts';

export type FilterScope = 'MessageAttributes' | 'MessageBody';

export interface PublishedAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

const DIALECT = { MessageAttributes: 'sns-attributes', MessageBody: 'sns-body' } as const;

/** Throws InvalidParameter with the reason the policy is refused (SNS's wording, with position). */
export function validateFilterPolicy(policy: string, scope: FilterScope): void {
  try {
    parsePattern(policy, DIALECT[scope]);
  } catch (error) {
    if (error instanceof PatternError) throw invalidParameter(`FilterPolicy: ${error.message}`);
    throw error;
  }
}

/** Message attributes as the filter sees them: strings, numbers, and String.Array values as arrays. */
export function attributesForFilter(attributes: Record<string, PublishedAttribute>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = attribute.DataType.split('.', 1)[0];
    if (attribute.StringValue === undefined) continue;
    if (attribute.DataType === 'String.Array') {
      try {
        values[name] = JSON.parse(attribute.StringValue) as unknown;
      } catch {
        values[name] = attribute.StringValue;
      }
    } else if (type === 'Number') values[name] = Number(attribute.StringValue);
    else values[name] = attribute.StringValue;
  }
  return values;
}

export class TopicFilters {
  private readonly sets = {
    MessageAttributes: new PatternSet(DIALECT.MessageAttributes),
    MessageBody: new PatternSet(DIALECT.MessageBody),
  };
  private readonly filtered = new Map<string, FilterScope>();

  /** Sets (or clears, with undefined) the policy of one subscription. */
  set(subscriptionArn: string, policy: string | undefined, scope: FilterScope): void {
    this.delete(subscriptionArn);
    if (policy === undefined || policy === '') return;
    this.sets[scope].add(subscriptionArn, policy);
    this.filtered.set(subscriptionArn, scope);
  }

  delete(subscriptionArn: string): void {
    const scope = this.filtered.get(subscriptionArn);
    if (!scope) return;
    this.sets[scope].remove(subscriptionArn);
    this.filtered.delete(subscriptionArn);
  }

  /** Whether a subscription has a policy at all (those without one get every message). */
  has(subscriptionArn: string): boolean {
    return this.filtered.has(subscriptionArn);
  }

  /** The filtered subscriptions whose policy accepts the message. */
  accepting(attributes: Record<string, PublishedAttribute>, body: string): Set<string> {
    const accepted = new Set<string>();
    if (this.filtered.size === 0) return accepted;
    for (const arn of this.sets.MessageAttributes.matchesValue(attributesForFilter(attributes)))
      accepted.add(arn);
    if ([...this.filtered.values()].includes('MessageBody')) {
      let isObject = false;
      try {
        const parsed = JSON.parse(body) as unknown;
        isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
      } catch {
        isObject = false;
      }
      if (isObject) for (const arn of this.sets.MessageBody.matches(body)) accepted.add(arn);
    }
    return accepted;
  }
}
