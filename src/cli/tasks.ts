// `eddy tasks interrupt`: a Fargate Spot interruption on demand, to test a task's shutdown handling.
import { parseArgs } from 'node:util';
import { CliError, callAws, callEddy, resolveEndpoint } from './client.ts';

export const TASKS_HELP = `eddy tasks: act on the tasks of a running eddy

Usage:
  eddy tasks interrupt TASK_ARN [--notice-seconds N]
        interrupt a FARGATE_SPOT task as AWS does: the TerminationNotice state change and SIGTERM
        now, the task stopped with SpotInterruption after the notice (EDDY_SPOT_NOTICE_SECONDS, 120)

  eddy tasks logs TASK_ARN [--follow]
        print what the task's containers wrote (awslogs, or eddy's /eddy/ecs/CLUSTER group), with --follow keep
        printing until the task has stopped

Options:
  --endpoint URL   the eddy to ask    EDDY_ENDPOINT (AWS_ENDPOINT_URL, then EDDY_PORT)
`;

interface Described {
  tasks?: Array<{
    taskArn: string;
    lastStatus: string;
    taskDefinitionArn: string;
    containers: Array<{ name: string }>;
  }>;
  failures?: Array<{ reason: string }>;
}
interface Definition {
  taskDefinition: {
    containerDefinitions: Array<{
      name: string;
      logConfiguration?: { logDriver: string; options?: Record<string, string> };
    }>;
  };
}
interface LogEvents {
  events: Array<{ timestamp: number; message: string }>;
  nextForwardToken: string;
}

/** `eddy tasks logs`: each awslogs container's stream, read from the start; --follow polls until the task stopped. */
async function logs(
  endpoint: string,
  taskArn: string,
  follow: boolean,
  write: (text: string) => void,
): Promise<void> {
  const ecs = (operation: string, body: Record<string, unknown>) =>
    callAws<never>(endpoint, `AmazonEC2ContainerServiceV20141113.${operation}`, body);
  const cluster = taskArn.split('/').at(-2) ?? 'default';
  const describe = async () => {
    const described: Described = await ecs('DescribeTasks', { cluster, tasks: [taskArn] });
    const task = described.tasks?.[0];
    if (!task)
      throw new CliError(
        `the task ${taskArn} was not found (${described.failures?.[0]?.reason ?? 'MISSING'})`,
      );
    return task;
  };
  const task = await describe();
  const { taskDefinition }: Definition = await ecs('DescribeTaskDefinition', {
    taskDefinition: task.taskDefinitionArn,
  });
  const taskId = taskArn.split('/').at(-1)!;
  const streams = taskDefinition.containerDefinitions.flatMap((container) => {
    // Without a log configuration, eddy keeps the output in its own group for the cluster.
    if (!container.logConfiguration) {
      const stream = `${container.name}/${taskId}`;
      return [
        {
          container: container.name,
          group: `/eddy/ecs/${cluster}`,
          stream,
          token: undefined as string | undefined,
        },
      ];
    }
    const options = container.logConfiguration.options ?? {};
    if (container.logConfiguration.logDriver !== 'awslogs' || !options['awslogs-group']) return [];
    const prefix = options['awslogs-stream-prefix'];
    return [
      {
        container: container.name,
        group: options['awslogs-group'],
        stream: prefix ? `${prefix}/${container.name}/${taskId}` : taskId,
        token: undefined as string | undefined,
      },
    ];
  });
  if (streams.length === 0) {
    throw new CliError(
      'every container of this task logs with a driver other than awslogs; eddy keeps no copy of its output',
    );
  }
  for (;;) {
    const stopped = (await describe()).lastStatus === 'STOPPED';
    // The last lines are committed within 100 ms of being written: give them that before the last read.
    if (stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    for (const source of streams) {
      const page: LogEvents | undefined = await callAws<LogEvents>(endpoint, 'Logs_20140328.GetLogEvents', {
        logGroupName: source.group,
        logStreamName: source.stream,
        startFromHead: true,
        ...(source.token ? { nextToken: source.token } : {}),
      }).catch((error: unknown) => {
        // The stream appears with the container's first line.
        if (error instanceof CliError && error.message.startsWith('ResourceNotFoundException'))
          return undefined;
        throw error;
      });
      if (!page) continue;
      for (const event of page.events)
        write(`${streams.length > 1 ? `${source.container} | ` : ''}${event.message}\n`);
      source.token = page.nextForwardToken;
    }
    if (!follow || stopped) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function tasks(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: 'string' },
      'notice-seconds': { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [subcommand, taskArn] = positionals;
  if (values.help || subcommand === undefined) return TASKS_HELP;
  const endpoint = resolveEndpoint(values.endpoint, env);
  if (subcommand === 'logs') {
    if (taskArn === undefined) throw new CliError('logs needs a TASK_ARN');
    await logs(endpoint, taskArn, values.follow === true, (text) => process.stdout.write(text));
    return '';
  }
  if (subcommand !== 'interrupt')
    throw new CliError(`unknown tasks command '${subcommand}'. Run \`eddy tasks --help\`.`);
  if (taskArn === undefined) throw new CliError('interrupt needs the TASK_ARN of a FARGATE_SPOT task');
  const notice = values['notice-seconds'];
  if (notice !== undefined && !(Number(notice) >= 0))
    throw new CliError('--notice-seconds must be a number of seconds');
  const answer = await callEddy<{ taskArn: string; noticeSeconds: number }>(endpoint, 'tasks/interrupt', {
    task: taskArn,
    ...(notice !== undefined ? { noticeSeconds: Number(notice) } : {}),
  });
  return `${answer.taskArn}: TerminationNotice sent with SIGTERM; stopped with SpotInterruption in ${answer.noticeSeconds} s\n`;
}
