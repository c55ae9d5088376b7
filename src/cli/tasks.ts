// `eddy tasks interrupt`: a Fargate Spot interruption on demand, to test a task's shutdown handling.
import { parseArgs } from 'node:util';
import { CliError, callEddy } from './client.ts';

export const TASKS_HELP = `eddy tasks: act on the tasks of a running eddy

Usage:
  eddy tasks interrupt TASK_ARN [--notice-seconds N]
        interrupt a FARGATE_SPOT task as AWS does: the TerminationNotice state change and SIGTERM
        now, the task stopped with SpotInterruption after the notice (EDDY_SPOT_NOTICE_SECONDS, 120)

Options:
  --endpoint URL   the eddy to ask    EDDY_ENDPOINT (http://127.0.0.1:4566)
`;

export async function tasks(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: 'string' },
      'notice-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [subcommand, taskArn] = positionals;
  if (values.help || subcommand === undefined) return TASKS_HELP;
  if (subcommand !== 'interrupt')
    throw new CliError(`unknown tasks command '${subcommand}'. Run \`eddy tasks --help\`.`);
  if (taskArn === undefined) throw new CliError('interrupt needs the TASK_ARN of a FARGATE_SPOT task');
  const notice = values['notice-seconds'];
  if (notice !== undefined && !(Number(notice) >= 0))
    throw new CliError('--notice-seconds must be a number of seconds');
  const answer = await callEddy<{ taskArn: string; noticeSeconds: number }>(
    values.endpoint ?? env.EDDY_ENDPOINT ?? 'http://127.0.0.1:4566',
    'tasks/interrupt',
    { task: taskArn, ...(notice !== undefined ? { noticeSeconds: Number(notice) } : {}) },
  );
  return `${answer.taskArn}: TerminationNotice sent with SIGTERM; stopped with SpotInterruption in ${answer.noticeSeconds} s\n`;
}
