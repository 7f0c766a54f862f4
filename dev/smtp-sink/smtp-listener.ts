// The SMTP side of the sink: accepts every message unless the fault plan says otherwise.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { FaultPlan } from './fault-plan';
import type { MessageStore } from './message-store';

const addressText = (a: AddressObject | AddressObject[] | undefined) =>
  a === undefined ? undefined : Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text;

class SmtpReply extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

export function createSmtpListener(store: MessageStore, faults: FaultPlan): SMTPServer {
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 25 * 1024 * 1024,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'anyone' }),
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const fault = faults.take(recipients);
        if (fault.kind === 'drop') {
          // A dropped connection mid-transaction: the client never gets a reply.
          for (const connection of (
            server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
          ).connections) {
            if (connection.id === session.id) connection._socket.destroy();
          }
          return;
        }
        if (fault.kind === '4xx')
          return callback(new SmtpReply('Requested action aborted: try again later', 451));
        if (fault.kind === '5xx')
          return callback(new SmtpReply('Requested action not taken: mailbox unavailable', 550));
        const raw = Buffer.concat(chunks);
        const accept = async () => {
          const parsed = await simpleParser(raw);
          const headers: Record<string, string> = {};
          for (const line of parsed.headerLines)
            headers[line.key] = line.line.slice(line.key.length + 1).trim();
          store.add({
            receivedAt: new Date().toISOString(),
            envelope: {
              mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              rcptTo: recipients,
            },
            messageId: parsed.messageId,
            subject: parsed.subject,
            from: addressText(parsed.from),
            to: addressText(parsed.to),
            headers,
            text: parsed.text,
            html: parsed.html === false ? undefined : parsed.html,
            size: raw.length,
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              size: a.content.length,
              sha256: createHash('sha256').update(a.content).digest('hex'),
            })),
          });
        };
        const delay = fault.kind === 'slow' ? fault.delayMs : 0;
        setTimeout(() => {
          accept().then(
            () => callback(),
            (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
          );
        }, delay);
      });
    },
  });
  return server;
}
