// What a pipe does with each event between source and target: the filter criteria (the same
// pattern engine as rules), and the InputTemplate as Pipes defines it — `<$.json.path>` and
// `<aws.pipes.*>` placeholders, a value inside quotes inserted as text, outside as JSON. A body
// (SQS) or data (Kinesis, RabbitMQ) that is JSON is matched and templated as JSON, as Pipes does.
import { PatternSet } from '../../patterns/index.ts';

export interface PipeContext {
  pipeName: string;
  pipeArn: string;
  sourceArn: string;
  targetArn: string;
}

/** The event as filters and templates see it: body or data parsed when it is JSON. */
export function viewOf(event: Record<string, unknown>): Record<string, unknown> {
  const view = { ...event };
  if (typeof view.body === 'string') view.body = parsedOrText(view.body);
  if (typeof view.data === 'string' && event.eventSource !== 'aws:sqs') {
    const decoded = Buffer.from(view.data, 'base64').toString('utf8');
    const parsed = parsedOrText(decoded);
    if (typeof parsed === 'object' && parsed !== null) view.data = parsed;
  }
  return view;
}

function parsedOrText(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class Filter {
  private readonly set: PatternSet | undefined;
  constructor(patterns: string[]) {
    if (patterns.length === 0) return;
    const set = new PatternSet('eventbridge');
    for (const [index, pattern] of patterns.entries()) set.add(String(index), pattern);
    this.set = set;
  }
  matches(view: Record<string, unknown>): boolean {
    return this.set === undefined || this.set.matches(JSON.stringify(view)).length > 0;
  }
}

export function valueAt(root: unknown, path: string): unknown {
  if (path === '$') return root;
  const parts = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((part) => part !== '');
  let value: unknown = root;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const PLACEHOLDER = /<(\$[^<>]*|aws\.pipes\.[a-z.-]+)>/g;

/** Fills an InputTemplate for one event. */
export function applyTemplate(
  template: string,
  event: Record<string, unknown>,
  view: Record<string, unknown>,
  context: PipeContext,
  ingestedAt: number,
): string {
  let out = '';
  let last = 0;
  let quoted = false;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const before = template.slice(last, match.index);
    for (let index = 0; index < before.length; index++) {
      if (before[index] === '\\') index++;
      else if (before[index] === '"') quoted = !quoted;
    }
    out += before;
    const name = match[1]!;
    let value: unknown;
    if (name.startsWith('$')) value = valueAt(view, name);
    else
      value = {
        'aws.pipes.pipe-name': context.pipeName,
        'aws.pipes.pipe-arn': context.pipeArn,
        'aws.pipes.source-arn': context.sourceArn,
        'aws.pipes.target-arn': context.targetArn,
        'aws.pipes.event.ingestion-time': new Date(ingestedAt).toISOString(),
        'aws.pipes.event': JSON.stringify(event),
        'aws.pipes.event.json': event,
      }[name];
    if (quoted) {
      const text =
        value === undefined || value === null
          ? ''
          : typeof value === 'string'
            ? value
            : JSON.stringify(value);
      out += JSON.stringify(text).slice(1, -1);
    } else out += value === undefined ? 'null' : JSON.stringify(value);
    last = (match.index ?? 0) + match[0].length;
  }
  return out + template.slice(last);
}
