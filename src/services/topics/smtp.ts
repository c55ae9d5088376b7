// A plain SMTP client (RFC 5321, no TLS or AUTH): enough to hand SNS email deliveries to a local
// mail catcher or relay. One connection per message; any unexpected reply fails the send.
import { connect, type Socket } from 'node:net';

export interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The message's own id, kept in a header so a mail can be matched to its outbox entry. */
  messageId: string;
}

const TIMEOUT_MS = 10_000;

/** Reads SMTP replies: a reply is complete at its line whose code is followed by a space. */
class Replies {
  private buffer = '';
  private waiting: ((reply: { code: number; text: string }) => void) | undefined;
  private failure: Error | undefined;
  private failed: ((error: Error) => void) | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
    const fail = (error: Error) => {
      this.failure = error;
      this.failed?.(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the SMTP server closed the connection')));
  }

  next(): Promise<{ code: number; text: string }> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = resolve;
      this.failed = reject;
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const lines = this.buffer.split('\r\n');
    const last = lines.findIndex((line) => /^\d{3}( |$)/.test(line));
    if (last === -1 || last === lines.length - 1) return; // its CRLF has not arrived yet
    const reply = lines.slice(0, last + 1);
    this.buffer = lines.slice(last + 1).join('\r\n');
    const resolve = this.waiting;
    this.waiting = undefined;
    this.failed = undefined;
    resolve({ code: Number(reply[last]!.slice(0, 3)), text: reply.map((line) => line.slice(4)).join(' ') });
  }
}

/** Header-safe text: no line breaks, non-ASCII as an RFC 2047 encoded word. */
function headerText(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat).toString('base64')}?=`;
}

/** The message as DATA sends it: CRLF line ends, and a leading dot doubled (RFC 5321 §4.5.2). */
export function formatMail(mail: Mail, date: Date): string {
  const headers = [
    `From: AWS Notifications <${mail.from}>`,
    `To: ${mail.to}`,
    `Subject: ${headerText(mail.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${mail.messageId}@sns.eddy.local>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const body = mail.text.split(/\r?\n/).map((line) => (line.startsWith('.') ? `.${line}` : line));
  return `${[...headers, '', ...body].join('\r\n')}\r\n.\r\n`;
}

/** Sends one mail through the server at `url` (smtp://host[:port]); rejects with the server's words. */
export async function sendMail(url: string, mail: Mail, date: Date): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port || 25) });
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer from ${url} in ${TIMEOUT_MS} ms`)));
  const replies = new Replies(socket);
  const expect = async (command: string | undefined, codes: number[]) => {
    if (command !== undefined) socket.write(command.endsWith('\r\n') ? command : `${command}\r\n`);
    const reply = await replies.next();
    if (!codes.includes(reply.code)) {
      const what = command === undefined ? 'its greeting' : command.split(/[\r\n:]/)[0];
      throw new Error(`the SMTP server answered ${what} with ${reply.code} ${reply.text}`);
    }
  };
  try {
    await expect(undefined, [220]);
    await expect('EHLO eddy.local', [250]);
    await expect(`MAIL FROM:<${mail.from}>`, [250]);
    await expect(`RCPT TO:<${mail.to}>`, [250, 251]);
    await expect('DATA', [354]);
    await expect(formatMail(mail, date), [250]);
    await expect('QUIT', [221]).catch(() => {}); // the mail is accepted; a rude goodbye changes nothing
  } finally {
    socket.destroy();
  }
}
