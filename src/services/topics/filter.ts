// Subscription filter policies on the patterns module's SNS dialect: one compiled set per topic and
// scope, so a publish is matched against every subscription's policy at once.
import { NESTED_ATTRIBUTE_POLICY, PatternError, PatternSet, parsePattern } from '../../patterns/index.ts';
import { invalidParameter } from './errors.ts';

export type FilterScope = 'MessageAttributes' | 'MessageBody';

/** The call that sets a policy: SNS words a refusal from Subscribe and from SetSubscriptionAttributes apart. */
export type PolicyCall = 'Subscribe' | 'SetSubscriptionAttributes';

export interface PublishedAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

const DIALECT = { MessageAttributes: 'sns-attributes', MessageBody: 'sns-body' } as const;

/** `{}` (any spacing): SNS reads it as no policy at all, and removes the subscription's. */
export function isEmptyPolicy(policy: string): boolean {
  return /^\s*\{\s*\}\s*$/.test(policy);
}

/** Throws InvalidParameter with the reason the policy is refused, worded as SNS words it for that call. */
export function validateFilterPolicy(
  policy: string,
  scope: FilterScope,
  call: PolicyCall = 'SetSubscriptionAttributes',
): void {
  try {
    parsePattern(policy, DIALECT[scope]);
  } catch (error) {
    if (error instanceof PatternError) throw invalidParameter(refusal(policy, scope, call, error));
    throw error;
  }
}

/**
 * SNS's words for a refused policy, after its "Invalid parameter: ": `FilterPolicy: <reason>`, behind
 * `Attributes Reason: ` when Subscribe refuses it (the nesting reason stands without `FilterPolicy: `),
 * and the place on a second line as SNS's JSON parser (Jackson) writes it.
 */
export function refusal(policy: string, scope: FilterScope, call: PolicyCall, error: PatternError): string {
  const reason = error.reason === NESTED_ATTRIBUTE_POLICY ? error.reason : `FilterPolicy: ${error.reason}`;
  return `${call === 'Subscribe' ? 'Attributes Reason: ' : ''}${reason}${place(policy, scope, error)}`;
}

/** Reasons SNS gives without a place: the limits it checks once the policy has parsed, and CIDR blocks. */
const UNPLACED = [
  /^Filter policy is too complex/,
  /^Filter policy can not have more than/,
  /^Filter policy scope /,
  /^The filter policy is \d+ bytes long/,
  /^Malformed CIDR/,
  /^Nonstandard IP address/,
  /^Invalid IP address/,
  /^IPv[46] mask bits/,
];

/** Jackson shows at most this much of the text it parsed. */
const SOURCE_SHOWN = 500;

/**
 * `\n at [Source: (String)"<policy>"; line: 1, column: 9]`. SNS parses the policy and writes it back
 * without white space before it checks it, so the text shown and the place in it are those of the
 * compact form. The column is where eddy finds the fault (the member whose value is refused), which
 * is not always the column Jackson names.
 */
function place(policy: string, scope: FilterScope, error: PatternError): string {
  if (error.line === undefined || UNPLACED.some((reason) => reason.test(error.reason))) return '';
  let source = policy;
  let { line, column } = error;
  const compact = compactJson(policy);
  if (compact !== undefined && compact !== policy) {
    try {
      parsePattern(compact, DIALECT[scope]);
    } catch (again) {
      if (again instanceof PatternError && again.reason === error.reason && again.line !== undefined) {
        source = compact;
        ({ line, column } = again);
      }
    }
  }
  const shown =
    source.length > SOURCE_SHOWN
      ? `"${source.slice(0, SOURCE_SHOWN)}"[truncated ${source.length - SOURCE_SHOWN} chars]`
      : `"${source}"`;
  return `\n at [Source: (String)${shown}; line: ${line}, column: ${column}]`;
}

function compactJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * A subscription's filter attributes as GetSubscriptionAttributes shows them: FilterPolicyScope only
 * beside a FilterPolicy, and then `MessageAttributes` when no scope was set. A scope set before any
 * policy is kept but not shown.
 */
export function shownFilterAttributes(attributes: Record<string, string>): Record<string, string> {
  const { FilterPolicyScope, ...shown } = attributes;
  if (shown.FilterPolicy) shown.FilterPolicyScope = FilterPolicyScope ?? 'MessageAttributes';
  return shown;
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
    const set = this.sets[scope];
    try {
      set.add(subscriptionArn, policy);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      // A policy an earlier eddy accepted and the rules now refuse (SNS's weighted complexity, say):
      // it keeps filtering as it did, rather than stopping the topics from loading.
      set.addCompiled(subscriptionArn, policy, parsePattern(policy, DIALECT[scope], { stored: true }));
    }
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
