// The SMTP listener for bounce reports (RFC 3464 DSNs) sent back to our VERP return paths. It accepts mail
// for bounces+…@FEEDBACK_BOUNCE_DOMAIN only, stores each report's notifications once (with their events,
// in one transaction with the outbox) and only then answers 250; MongoDB unavailable is 451 (RFC 5321
// §4.2.1: the MTA keeps the report and tries again). A message that is not a report (an auto-reply) is
// accepted and dropped, counted: refusing it would only bounce a bounce.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '@mailfleet/logger';
import type { NotificationStore } from '../adapters/notification-store';
import { parseDeliveryReport } from '../domain/delivery-report';
import { decide } from '../domain/feedback-decision';
import type { FeedbackMetrics } from './feedback-metrics';
import { recordNotifications } from './record-notifications';

export interface DsnListenerOptions {
  readonly bounceDomain: string;
  readonly messageIdDomain: string;
  readonly maxBytes: number;
  readonly store: NotificationStore;
  readonly logger: Logger;
  readonly metrics: FeedbackMetrics;
  readonly now?: () => Date;
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

export function createDsnListener(o: DsnListenerOptions): SMTPServer {
  const now = o.now ?? (() => new Date());
  const ours = new RegExp(`^bounces\\+[^@]+@${o.bounceDomain.replace(/[.]/g, '\\.')}$`, 'i');
  return new SMTPServer({
    name: o.bounceDomain,
    banner: 'mailfleet bounce listener',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: o.maxBytes,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (ours.test(address.address)) return callback();
      return callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const log = o.logger.child({ correlationId: session.id, from: session.remoteAddress });
        if (stream.sizeExceeded) {
          o.metrics.dsnMessages.inc({ result: 'too-large' });
          return callback(smtpError(552, `5.3.4 a report is at most ${o.maxBytes} bytes`));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const rcpt = session.envelope.rcptTo[0]?.address ?? '';
        const parsed = parseDeliveryReport(raw, rcpt, o.bounceDomain, now());
        if (!parsed.ok) {
          o.metrics.dsnMessages.inc({ result: 'not-a-report' });
          log.info(
            { problem: parsed.problem },
            'message to a bounce address is not a delivery report; dropped',
          );
          return callback();
        }
        const decisions = parsed.notifications.map((n) => decide(n, o.messageIdDomain));
        recordNotifications(o, 'dsn', decisions, log).then(
          () => {
            o.metrics.dsnMessages.inc({ result: 'report' });
            callback();
          },
          (err: unknown) => {
            o.metrics.dsnMessages.inc({ result: 'unavailable' });
            log.error({ err }, 'bounce report not stored; the MTA will try again');
            callback(smtpError(451, '4.3.0 cannot store the report now, try again later'));
          },
        );
      });
    },
  });
}
