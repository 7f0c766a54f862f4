// SendGrid's Event Webhook body (docs.sendgrid.com, "Event Webhook Reference"): a JSON array of events,
// each with its own `sg_event_id`. `bounce` events are permanent (`type: bounce`) or a block
// (`type: blocked`, the receiving side refused for now); `deferred` and `dropped` are not bounces.
import {
  bounceTypeOf,
  enhancedStatusIn,
  lowerCased,
  text,
  type Notification,
  type NotificationKind,
  type Parsed,
} from './notification';

/** The custom argument (unique_args in X-SMTPAPI) that may carry our mailId. */
export const SENDGRID_MAIL_ID_ARG = 'mailfleet-mail-id';

const KINDS: Record<string, NotificationKind> = {
  delivered: 'delivered',
  bounce: 'bounced',
  spamreport: 'complained',
  unsubscribe: 'unsubscribed',
  group_unsubscribe: 'unsubscribed',
};

export function parseSendGridBody(body: unknown): Parsed {
  if (!Array.isArray(body)) return { ok: false, problem: 'the body is not a JSON array of events' };
  const notifications: Notification[] = [];
  for (const [i, item] of body.entries()) {
    const e = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const id = text(e.sg_event_id);
    const event = text(e.event);
    if (id === null || event === null || typeof e.timestamp !== 'number')
      return { ok: false, problem: `event ${i} needs sg_event_id, event and a numeric timestamp` };
    const kind = KINDS[event] ?? 'other';
    const status = text(e.status) ?? enhancedStatusIn(text(e.reason));
    notifications.push({
      provider: 'sendgrid',
      eventId: id,
      kind,
      providerEvent: event,
      mailId: text(e[SENDGRID_MAIL_ID_ARG]),
      messageId: text(e['smtp-id']),
      recipient: lowerCased(e.email),
      bounceType: kind === 'bounced' ? bounceKind(e.type, status) : null,
      status,
      diagnostic: text(e.reason) ?? text(e.response),
      feedbackType: kind === 'complained' ? 'abuse' : null,
      occurredAt: e.timestamp * 1000,
    });
  }
  return { ok: true, notifications };
}

/** A block is temporary; a bounce is permanent unless its status says 4.x.x. */
function bounceKind(type: unknown, status: string | null): 'HARD' | 'SOFT' {
  if (type === 'blocked') return 'SOFT';
  return bounceTypeOf(status) ?? 'HARD';
}
