// `eddy events explain` and `eddy events trace`: ask a running eddy why an event does or does not
// match a bus's rules, and what happened to an event it accepted.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError, callEddy as call, resolveEndpoint } from './client.ts';

export const EVENTS_HELP = `eddy events: look into the event bus of a running eddy

Usage:
  eddy events explain --event FILE [--bus NAME]   for each rule: matched, or the field that failed
  eddy events trace EVENT_ID                     rules matched, every delivery attempt, DLQ outcome

Options:
  --endpoint URL   the eddy to ask    EDDY_ENDPOINT (AWS_ENDPOINT_URL, then EDDY_PORT)
  --bus NAME       the bus            (default)
  --event FILE     the event as JSON, the whole envelope (source, detail-type, detail, ...); - reads stdin
  --json           print the answer as JSON
`;

interface RuleExplanation {
  rule: string;
  state: string;
  matched: boolean;
  reason?: string;
}

interface TraceAttempt {
  target: string;
  targetArn: string;
  attempt: number;
  at: string;
  outcome: string;
  errorCode?: string;
  errorMessage?: string;
  deadLetterQueue?: string;
}

interface EventTrace {
  eventId: string;
  busArn: string;
  receivedAt: string;
  matchedRules: string[];
  attempts: TraceAttempt[];
}

function readEvent(file: string): string {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the event file ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  return text;
}

export function formatExplanation(busArn: string, rules: RuleExplanation[]): string {
  const matched = rules.filter((rule) => rule.matched).length;
  const width = Math.max(0, ...rules.map((rule) => rule.rule.length));
  const lines = [`${busArn}: ${rules.length} rule(s), ${matched} matched`];
  for (const rule of rules) {
    const mark = rule.matched ? 'match' : 'no   ';
    const state = rule.state === 'ENABLED' ? '' : ` [${rule.state.toLowerCase()}]`;
    lines.push(
      `  ${mark}  ${rule.rule.padEnd(width)}${state}${rule.matched ? '' : `  ${rule.reason ?? ''}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatTrace(trace: EventTrace): string {
  const lines = [
    `event ${trace.eventId} on ${trace.busArn}, received ${trace.receivedAt}`,
    trace.matchedRules.length > 0 ? `matched ${trace.matchedRules.join(', ')}` : 'matched no rule',
  ];
  for (const attempt of trace.attempts) {
    const detail =
      attempt.outcome === 'dead-lettered'
        ? `sent to the dead-letter queue ${attempt.deadLetterQueue}`
        : `attempt ${attempt.attempt}: ${attempt.outcome}${attempt.errorCode ? ` (${attempt.errorCode}: ${attempt.errorMessage})` : ''}`;
    lines.push(`  ${attempt.at}  ${attempt.target} → ${attempt.targetArn}  ${detail}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `eddy events …`; returns what to print. */
export async function events(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: 'string' },
      bus: { type: 'string' },
      event: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [subcommand, ...rest] = positionals;
  const endpoint = resolveEndpoint(values.endpoint, env);
  if (values.help || subcommand === undefined) return EVENTS_HELP;
  if (subcommand === 'explain') {
    if (values.event === undefined) throw new CliError('explain needs --event FILE (the event as JSON)');
    const answer = await call<{ bus: string; rules: RuleExplanation[] }>(endpoint, 'events/explain', {
      bus: values.bus ?? 'default',
      event: readEvent(values.event),
    });
    return values.json ? `${JSON.stringify(answer, null, 2)}\n` : formatExplanation(answer.bus, answer.rules);
  }
  if (subcommand === 'trace') {
    const [eventId] = rest;
    if (eventId === undefined) throw new CliError('trace needs the EVENT_ID that PutEvents answered with');
    const trace = await call<EventTrace>(endpoint, `events/${encodeURIComponent(eventId)}`);
    return values.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace);
  }
  throw new CliError(`unknown events command '${subcommand}'. Run \`eddy events --help\`.`);
}
