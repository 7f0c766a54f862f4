// mailfleet's own notification body (docs/feedback-webhooks.md): one notification object, or an array of
// them, for any emitter that can sign a request but is not one of the providers we read natively.
import { z } from 'zod';
import { bounceTypeOf, lowerCased, type Notification, type Parsed } from './notification';

const notificationSchema = z
  .object({
    id: z.string().min(1).max(200),
    type: z.enum(['delivered', 'bounced', 'complained', 'unsubscribed']),
    mailId: z.string().min(1).max(1000).optional(),
    messageId: z.string().min(3).max(1000).optional(),
    recipient: z.string().min(3).max(254).optional(),
    bounceType: z.enum(['HARD', 'SOFT']).optional(),
    status: z
      .string()
      .regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'an RFC 3463 enhanced status code such as 5.1.1')
      .optional(),
    diagnostic: z.string().max(2000).optional(),
    feedbackType: z.string().max(100).optional(),
    occurredAt: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).optional(),
  })
  .strict()
  .refine((n) => n.mailId !== undefined || n.messageId !== undefined, {
    message: 'name the mail: mailId, or the messageId mailfleet gave it',
  })
  .refine((n) => n.type !== 'bounced' || n.bounceType !== undefined || n.status !== undefined, {
    message: 'a bounce needs bounceType (HARD or SOFT) or an enhanced status code',
  });

const bodySchema = z.union([notificationSchema, z.array(notificationSchema).min(1).max(1000)]);

export function parseMailfleetBody(body: unknown, now: Date): Parsed {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const problem = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ');
    return { ok: false, problem };
  }
  const items = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return {
    ok: true,
    notifications: items.map((n): Notification => ({
      provider: 'mailfleet',
      eventId: n.id,
      kind: n.type,
      providerEvent: n.type,
      mailId: n.mailId ?? null,
      messageId: n.messageId ?? null,
      recipient: lowerCased(n.recipient),
      bounceType: n.type === 'bounced' ? (n.bounceType ?? bounceTypeOf(n.status ?? null)) : null,
      status: n.status ?? null,
      diagnostic: n.diagnostic ?? null,
      feedbackType: n.type === 'complained' ? (n.feedbackType ?? 'abuse') : null,
      occurredAt:
        n.occurredAt === undefined
          ? now.getTime()
          : typeof n.occurredAt === 'number'
            ? n.occurredAt
            : Date.parse(n.occurredAt),
    })),
  };
}
