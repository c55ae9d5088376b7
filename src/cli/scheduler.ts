// `eddy scheduler next`: the next fire times of a schedule expression (worked out here, no server
// needed) or of a schedule a running eddy holds, printed in the schedule's time zone.
import { parseArgs } from 'node:util';
import {
  formatInZone,
  isTimeZone,
  nextOccurrences,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../schedules/index.ts';
import { CliError, callEddy, resolveEndpoint } from './client.ts';

export const SCHEDULER_HELP = `eddy scheduler: check when EventBridge Scheduler schedules fire

Usage:
  eddy scheduler next EXPRESSION [--zone TZ] [--count N]   e.g. 'cron(0 9 ? * MON-FRI *)'
  eddy scheduler next NAME [--group GROUP] [--count N]     a schedule of the running eddy

Options:
  --count N        how many fire times              (10)
  --zone TZ        IANA time zone of an expression  (UTC)
  --from ISO       start from this instant          (now; an expression only)
  --group GROUP    the schedule's group             (default)
  --endpoint URL   the eddy to ask    EDDY_ENDPOINT (AWS_ENDPOINT_URL, then EDDY_PORT)
  --json           print the answer as JSON
`;

export interface NextTimes {
  schedule?: string;
  expression: string;
  zone: string;
  times: string[];
}

export async function scheduler(args: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      zone: { type: 'string' },
      from: { type: 'string' },
      group: { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const [command, subject] = positionals;
  if (command !== 'next' || subject === undefined || positionals.length > 2)
    throw new CliError(SCHEDULER_HELP);
  const count = Number(values.count ?? '10');
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new CliError('--count must be 1 to 1000.');
  const answer = /^\s*(at|rate|cron)\(/.test(subject)
    ? fromExpression(subject, values.zone ?? 'UTC', values.from, count)
    : await callEddy<NextTimes>(
        resolveEndpoint(values.endpoint),
        `scheduler/next?${new URLSearchParams({ name: subject, group: values.group ?? 'default', count: String(count) })}`,
      );
  if (values.json) return `${JSON.stringify(answer, null, 2)}\n`;
  const title = answer.schedule ? `${answer.schedule}: ` : '';
  const lines = answer.times.map((time) => `${formatInZone(answer.zone, Date.parse(time))}   ${time}`);
  return `${title}${answer.expression} in ${answer.zone}\n${lines.length > 0 ? lines.join('\n') : '(no further fire times)'}\n`;
}

function fromExpression(
  expression: string,
  zone: string,
  from: string | undefined,
  count: number,
): NextTimes {
  if (!isTimeZone(zone)) throw new CliError(`'${zone}' is not an IANA time zone name.`);
  const start = from === undefined ? Date.now() : Date.parse(from);
  if (Number.isNaN(start)) throw new CliError(`--from '${from}' is not a date and time.`);
  try {
    const times = nextOccurrences(parseScheduleExpression(expression), start - 1, count, {
      zone,
      anchor: start,
    });
    return { expression, zone, times: times.map((time) => new Date(time).toISOString()) };
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw new CliError(`${expression}: ${error.message}`);
    throw error;
  }
}
