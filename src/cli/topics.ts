// `eddy topics outbox`: the texts, email and pushes SNS delivered, which eddy keeps instead of
// sending (email also goes to an SMTP server when one is configured).
import { parseArgs } from 'node:util';
import { CliError, callEddy, resolveEndpoint } from './client.ts';

export const TOPICS_HELP = `eddy topics: look into the topics of a running eddy

Usage:
  eddy topics outbox [--protocol sms|email|email-json|application] [--follow]
        the texts, email and mobile pushes SNS delivered (eddy keeps the last 10,000 instead of
        sending them), oldest first; --follow keeps printing new ones until Ctrl-C

Options:
  --endpoint URL   the eddy to ask    EDDY_ENDPOINT (AWS_ENDPOINT_URL, then EDDY_PORT)
  --json           one JSON object per entry
`;

const PROTOCOLS = ['sms', 'email', 'email-json', 'application'];
const POLL_MS = 1000;

export interface OutboxEntry {
  id: number;
  at: string;
  protocol: string;
  destination: string;
  subject?: string;
  message: string;
  messageId: string;
  messageType: string;
  topicArn?: string;
  subscriptionArn?: string;
  smtp?: string;
}

/** An entry as a person reads it: a header line, then the message indented. */
export function formatEntry(entry: OutboxEntry): string {
  const via = entry.topicArn ? ` from ${entry.topicArn}` : '';
  const kind = entry.messageType === 'Notification' ? '' : ` [${entry.messageType}]`;
  const lines = [`${entry.at}  ${entry.protocol} → ${entry.destination}${via}${kind}`];
  if (entry.subject !== undefined) lines.push(`  Subject: ${entry.subject}`);
  if (entry.smtp !== undefined) lines.push(`  SMTP: ${entry.smtp}`);
  for (const line of entry.message.split('\n')) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}

/** Runs `eddy topics …`; `write` prints as entries arrive (for --follow); returns what is left to print. */
export async function topics(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<string> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      endpoint: { type: 'string' },
      protocol: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [subcommand] = positionals;
  if (values.help || subcommand === undefined) return TOPICS_HELP;
  if (subcommand !== 'outbox')
    throw new CliError(`unknown topics command '${subcommand}'. Run \`eddy topics --help\`.`);
  if (values.protocol !== undefined && !PROTOCOLS.includes(values.protocol))
    throw new CliError(`--protocol is one of ${PROTOCOLS.join(', ')}, got '${values.protocol}'`);
  const endpoint = resolveEndpoint(values.endpoint, env);
  let after = 0;
  let shown = 0;
  for (;;) {
    const query = new URLSearchParams({ after: String(after), limit: '1000' });
    if (values.protocol) query.set('protocol', values.protocol);
    const { entries } = await callEddy<{ entries: OutboxEntry[] }>(endpoint, `topics/outbox?${query}`);
    for (const entry of entries) write(values.json ? `${JSON.stringify(entry)}\n` : formatEntry(entry));
    shown += entries.length;
    after = entries.at(-1)?.id ?? after;
    if (entries.length === 1000) continue; // more than a page: read on at once
    if (!values.follow) return shown === 0 && !values.json ? 'the outbox is empty\n' : '';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
