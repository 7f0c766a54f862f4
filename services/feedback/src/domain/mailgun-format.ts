// Mailgun's webhook body (documentation.mailgun.com, "Webhook Payloads"): `{signature, "event-data"}`,
// one event per request. A `failed` event of `severity: permanent` is a hard bounce; a temporary one means
// Mailgun keeps trying (a deferral, not an outcome), so it is recorded and not acted on.
import { enhancedStatusIn, lowerCased, text, type NotificationKind, type Parsed } from './notification';

/** The custom variable (`X-Mailgun-Variables`) that may carry our mailId. */
export const MAILGUN_MAIL_ID_VARIABLE = 'mailfleet-mail-id';

const KINDS: Record<string, NotificationKind> = {
  delivered: 'delivered',
  failed: 'bounced',
  complained: 'complained',
  unsubscribed: 'unsubscribed',
};

export function parseMailgunBody(body: unknown): Parsed {
  const data = (body as { 'event-data'?: unknown } | null)?.['event-data'];
  if (typeof data !== 'object' || data === null) return { ok: false, problem: 'no "event-data" object' };
  const e = data as Record<string, unknown>;
  const id = text(e.id);
  const event = text(e.event);
  const timestamp = typeof e.timestamp === 'number' ? e.timestamp : Number(e.timestamp);
  if (id === null || event === null || !Number.isFinite(timestamp))
    return { ok: false, problem: '"event-data" needs an id, an event and a numeric timestamp' };
  const kind = event === 'failed' && e.severity !== 'permanent' ? 'other' : (KINDS[event] ?? 'other');
  const status = (e['delivery-status'] ?? {}) as Record<string, unknown>;
  const diagnostic = [status.message, status.description, e.reason].map(text).find((t) => t !== null) ?? null;
  const enhanced = text(status['enhanced-code']) ?? enhancedStatusIn(diagnostic);
  const headers = ((e.message as { headers?: unknown } | undefined)?.headers ?? {}) as Record<
    string,
    unknown
  >;
  const variables = (e['user-variables'] ?? {}) as Record<string, unknown>;
  return {
    ok: true,
    notifications: [
      {
        provider: 'mailgun',
        // Mailgun's event id is unique within a day only; with the event's own time it is unique, and
        // a retried delivery of the same event still carries both.
        eventId: `${id}@${String(e.timestamp)}`,
        kind,
        providerEvent: event,
        mailId: text(variables[MAILGUN_MAIL_ID_VARIABLE]),
        messageId: text(headers['message-id']),
        recipient: lowerCased(e.recipient),
        bounceType: kind === 'bounced' ? 'HARD' : null,
        status: enhanced,
        diagnostic,
        feedbackType: kind === 'complained' ? 'abuse' : null,
        occurredAt: Math.round(timestamp * 1000),
      },
    ],
  };
}
