// The SMTP side of the sink: accepts every message unless the fault plan says otherwise.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { FaultDecision, FaultPlan } from './fault-plan';
import { sendReports } from './feedback-reports';
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

/** The reply a decision asks for, or null to go on. */
function replyFor(decision: FaultDecision): SmtpReply | null {
  if (decision.kind === 'reply') return new SmtpReply(decision.message, decision.code);
  if (decision.kind === 'auth-required') return new SmtpReply('5.7.0 Authentication required', 530);
  return null;
}

type Connections = { connections: Set<{ id: string; _socket: { destroy(): void } }> };

export function createSmtpListener(store: MessageStore, faults: FaultPlan): SMTPServer {
  // The client never gets a reply: the connection simply ends (smtp-server has no public way to do it).
  const dropConnection = (session: SMTPServerSession) => {
    for (const connection of (server as unknown as Connections).connections) {
      if (connection.id === session.id) connection._socket.destroy();
    }
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 25 * 1024 * 1024,
    onConnect: (_session, callback) => callback(replyFor(faults.take('connect'))),
    onAuth: (auth, _session, callback) => {
      const reply = replyFor(faults.take('auth'));
      if (reply) return callback(reply);
      callback(null, { user: auth.username ?? 'anyone' });
    },
    onMailFrom: (_address, session, callback) =>
      callback(replyFor(faults.take('mail', [], session.user !== undefined))),
    onRcptTo: (address, _session, callback) => callback(replyFor(faults.take('rcpt', [address.address]))),
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const fault = faults.take('data', recipients);
        if (fault.kind === 'drop') return dropConnection(session);
        const reply = replyFor(fault);
        if (reply) return callback(reply);
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
            // Stored, then the connection is lost before the reply: the client cannot know it arrived.
            () => (fault.kind === 'drop-after-dot' ? dropConnection(session) : callback()),
            (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
          );
        }, delay);
        if (fault.kind === 'report') {
          // Accepted first, reported later: what a receiving server that bounces or a provider does.
          const headerEnd = raw.indexOf('\r\n\r\n');
          const mail = {
            mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            recipients,
            messageId: undefined as string | undefined,
            rawHeaders: raw.subarray(0, headerEnd < 0 ? raw.length : headerEnd).toString('utf8'),
          };
          mail.messageId = /^message-id:\s*(.+)$/im.exec(mail.rawHeaders)?.[1]?.trim();
          setTimeout(() => {
            sendReports(mail, fault.rule).then(
              (sent) =>
                console.log(`smtp-sink: ${fault.rule.kind} reported: ${sent.join(', ') || 'nothing'}`),
              (err: unknown) => console.error(`smtp-sink: ${fault.rule.kind} report failed:`, err),
            );
          }, fault.rule.reportDelayMs);
        }
      });
    },
  });
  return server;
}
