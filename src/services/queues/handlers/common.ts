// What the handlers share: the domain they call, queue URLs, paging, and AWS's range rules.
import type { Handlers, RequestContext, Sqs } from '../../../contract/index.ts';
import type { MessageEngine } from '../engine/index.ts';
import { invalidParameter } from '../errors.ts';
import type { MoveTasks } from '../move-tasks.ts';
import type { Queue, QueueRegistry } from '../registry.ts';
import type { MessagePreparer } from './send-rules.ts';

export type SqsHandlers = Handlers<Sqs.Operations>;

export interface Domain {
  registry: QueueRegistry;
  engine: MessageEngine;
  moveTasks: MoveTasks;
  preparer: MessagePreparer;
}

export function queueUrl(context: RequestContext, queue: Queue): string {
  return `${context.baseUrl}/${queue.account}/${queue.name}`;
}

/** An integer parameter SQS bounds itself (the model does not): InvalidParameterValue naming the rule. */
export function inRange(
  value: number | undefined,
  name: string,
  min: number,
  max: number,
  rule: string,
): number | undefined {
  if (value !== undefined && (value < min || value > max)) {
    throw invalidParameter(`Value ${value} for parameter ${name} is invalid. Reason: ${rule}`);
  }
  return value;
}

/** Opaque paging tokens: the name the next page starts after. */
const encodeToken = (name: string) => Buffer.from(name).toString('base64url');
function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(name)) throw invalidParameter('Invalid NextToken value.');
  return name;
}

/** A page of items sorted by name: up to MaxResults (1 to 1000) after NextToken. */
export function page<T>(
  items: T[],
  nameOf: (item: T) => string,
  input: { MaxResults?: number; NextToken?: string },
): { items: T[]; next?: string } {
  const max = inRange(
    input.MaxResults,
    'MaxResults',
    1,
    1000,
    'MaxResults must be an integer between 1 and 1000.',
  );
  const after = decodeToken(input.NextToken);
  const start = after === undefined ? items : items.filter((item) => nameOf(item) > after);
  if (max === undefined) return { items: start.slice(0, 1000) };
  const slice = start.slice(0, max);
  return start.length > max ? { items: slice, next: encodeToken(nameOf(slice.at(-1)!)) } : { items: slice };
}
