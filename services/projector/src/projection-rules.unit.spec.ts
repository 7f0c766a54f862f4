import type { AnyDecodedEvent, EventPayloads, EventType } from '@mailfleet/contracts';
import { SAMPLE_EVENTS } from '@mailfleet/testing';
import { project } from './domain/project';
import type { Loaded, ProjectedRecord } from './domain/projected-record';
import { keysFor, mailIdOf } from './domain/record-keys';
import type { MailView, OrderView, RecipientView, TemplateDayIncrement } from '@mailfleet/read-models';

let offset = 0;
function record<T extends EventType>(type: T, change: Partial<EventPayloads[T]> = {}): ProjectedRecord {
  offset += 1;
  return {
    event: {
      eventType: type,
      payload: { ...SAMPLE_EVENTS[type], ...change },
      schemaId: 1,
    } as AnyDecodedEvent,
    envelope: { eventId: `e-${String(offset).padStart(4, '0')}`, correlationId: 'corr-1' },
    position: { topic: 't', partition: 0, offset: String(offset), timestamp: 1_000 + offset },
  };
}

/** Applies records in order, keeping the documents in memory like the store does. */
function run(records: readonly ProjectedRecord[]) {
  const mails = new Map<string, MailView>();
  const orders = new Map<string, OrderView>();
  const recipients = new Map<string, RecipientView>();
  const days: TemplateDayIncrement[] = [];
  for (const r of records) {
    const mailId = mailIdOf(r.event);
    const mail = mailId ? (mails.get(mailId) ?? null) : null;
    const keys = keysFor(r, mail);
    const loaded: Loaded = {
      mail,
      order: keys.orderId ? (orders.get(keys.orderId) ?? null) : null,
      recipient: keys.email ? (recipients.get(keys.email) ?? null) : null,
    };
    const c = project(loaded, r);
    if (c.mail) mails.set(c.mail._id, c.mail);
    if (c.order) orders.set(c.order._id, c.order);
    if (c.recipient) recipients.set(c.recipient._id, c.recipient);
    days.push(...c.templateDays);
  }
  const totals: Record<string, number> = {};
  for (const d of days) {
    for (const [k, v] of Object.entries(d.counts)) totals[k] = (totals[k] ?? 0) + v;
    if (d.latencyMs !== undefined) totals['latencyCount'] = (totals['latencyCount'] ?? 0) + 1;
  }
  const strip = <T extends { asOf: unknown }>(m: Map<string, T>) =>
    [...m.values()]
      .map(({ asOf: _asOf, ...rest }) => rest)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    mails,
    orders,
    recipients,
    totals,
    comparable: { m: strip(mails), o: strip(orders), r: strip(recipients), totals },
  };
}

const mailId = 'order-confirmation:o-1001';
const requested = () => record('MailRequested', { requestedAt: 10_000 });
const failedRetryable = () =>
  record('MailSendFailed', { attempt: 1, retryable: true, errorClass: 'smtp-4xx', failedAt: 11_000 });
const sent = () => record('MailSent', { attempt: 2, sentAt: 12_500 });

describe('project', () => {
  test('a mail through its life: status, timeline with reasons, order and recipient, counters', () => {
    const { mails, orders, recipients, totals } = run([
      record('OrderPlaced'),
      requested(),
      failedRetryable(),
      sent(),
    ]);
    const mail = mails.get(mailId);
    expect(mail).toMatchObject({
      status: 'sent',
      orderId: 'o-1001',
      templateId: 'order-confirmation',
      attempts: 2,
      messageId: SAMPLE_EVENTS.MailSent.smtpMessageId,
      correlationId: 'corr-1',
    });
    expect(mail?.timeline.map((t) => t.type)).toEqual(['requested', 'attempt-failed', 'sent']);
    expect(mail?.timeline[1]?.reason).toContain('smtp-4xx');
    expect(orders.get('o-1001')).toMatchObject({ status: 'placed', mails: [{ mailId, status: 'sent' }] });
    const email = SAMPLE_EVENTS.MailRequested.recipient.email.toLowerCase();
    expect(recipients.get(email)).toMatchObject({ total: 1, counts: { sent: 1 } });
    expect(totals).toEqual({ requested: 1, retries: 1, sent: 1, latencyCount: 1 });
  });

  test('a mail held for quiet hours shows its hold and priority; its latency counts from the end of the hold', () => {
    const notBefore = 20_000;
    const held = record('MailRequested', { requestedAt: 10_000, notBefore, priority: 'LOW' });
    const c = project({ mail: null, order: null, recipient: null }, held);
    expect(c.mail).toMatchObject({ notBefore, priority: 'LOW' });
    expect(c.mail?.timeline[0]?.reason).toBe(
      `low priority; held for the recipient's quiet hours until ${new Date(notBefore).toISOString()}`,
    );
    const after = project(
      { mail: c.mail, order: null, recipient: null },
      record('MailSent', { attempt: 1, sentAt: 20_500 }),
    );
    expect(after.templateDays.find((d) => d.latencyMs !== undefined)?.latencyMs).toBe(500);
  });

  test('a digest shows its window and members, and belongs to no order (its id names a customer)', () => {
    const digest = {
      windowStart: 1_000,
      windowEnd: 61_000,
      members: ['shipping-notice:o-1', 'shipping-notice:o-2'],
    };
    const id = 'shipping-digest:c-42:1000';
    const { mails, orders } = run([
      record('MailRequested', {
        mailId: id,
        templateId: 'shipping-digest',
        templateData: '{"items":[]}',
        digest,
      }),
      record('MailSent', { mailId: id, attempt: 1, sentAt: 62_000 }),
    ]);
    expect(mails.get(id)).toMatchObject({
      digest,
      orderId: null,
      templateId: 'shipping-digest',
      status: 'sent',
    });
    expect(mails.get(id)?.timeline.find((t) => t.type === 'requested')?.reason).toBe(
      'digest of 2 (shipping-notice:o-1, shipping-notice:o-2) from 1970-01-01T00:00:01.000Z to 1970-01-01T00:01:01.000Z',
    );
    expect([...orders.keys()]).toEqual([]);
  });

  test('any interleaving of the topics gives the same projections', () => {
    const records = [record('OrderPlaced'), requested(), failedRetryable(), sent(), record('MailDelivered')];
    const inOrder = run(records).comparable;
    const [placed, req, failed, snt, delivered] = records as [
      ProjectedRecord,
      ProjectedRecord,
      ProjectedRecord,
      ProjectedRecord,
      ProjectedRecord,
    ];
    for (const order of [
      [snt, delivered, failed, req, placed],
      [failed, placed, snt, req, delivered],
      [delivered, req, snt, placed, failed],
    ]) {
      expect(run(order).comparable).toEqual(inOrder);
    }
    expect(run(records).mails.get(mailId)?.status).toBe('delivered');
  });

  test('the same event twice changes nothing the second time', () => {
    const r = requested();
    const once = run([r]).comparable;
    expect(run([r, r]).comparable).toEqual(once);
  });

  test('non-retryable failure, dead letter, suppression and rejection are final with their reasons', () => {
    const { mails } = run([
      record('MailRequested', { mailId: 'order-confirmation:o-1' }),
      record('MailSendFailed', {
        mailId: 'order-confirmation:o-1',
        retryable: false,
        errorClass: 'smtp-5xx',
        errorMessage: '550 no such user',
      }),
      record('MailRequested', { mailId: 'shipping-notice:o-2' }),
      record('MailDeadLettered', { mailId: 'shipping-notice:o-2', attempts: 5 }),
      record('MailSuppressed', { mailId: 'cancellation-notice:o-3' }),
      record('MailRequestRejected', {
        mailId: 'order-confirmation:o-4',
        reasonCode: 'NO_ADDRESS',
        reason: 'no address',
      }),
    ]);
    expect(mails.get('order-confirmation:o-1')).toMatchObject({
      status: 'failed',
      lastError: 'smtp-5xx: 550 no such user',
    });
    expect(mails.get('shipping-notice:o-2')?.timeline.at(-1)?.reason).toContain('gave up after 5 attempts');
    expect(mails.get('cancellation-notice:o-3')).toMatchObject({
      status: 'suppressed',
      orderId: 'o-3',
      email: null,
    });
    expect(mails.get('order-confirmation:o-4')?.timeline[0]?.reason).toBe('NO_ADDRESS: no address');
  });

  test('an unknown outcome shows as ambiguous with its resend time, then as sent once the resend is accepted', () => {
    const ambiguous = record('MailSendFailed', {
      attempt: 1,
      retryable: true,
      errorClass: 'ambiguous',
      errorMessage: 'connection-lost: closed after the final dot',
      nextAttemptAt: 911_000,
      failedAt: 11_000,
    });
    const waiting = run([requested(), ambiguous]);
    expect(waiting.mails.get(mailId)).toMatchObject({ status: 'ambiguous' });
    expect(waiting.mails.get(mailId)?.timeline.map((t) => [t.type, t.reason])).toEqual([
      ['requested', null],
      [
        'ambiguous',
        'outcome unknown (resend due 1970-01-01T00:15:11.000Z): connection-lost: closed after the final dot',
      ],
    ]);
    expect(run([requested(), ambiguous, sent()]).mails.get(mailId)).toMatchObject({ status: 'sent' });
    expect(run([sent(), ambiguous, requested()]).mails.get(mailId)).toMatchObject({ status: 'sent' });
    const final = record('MailSendFailed', {
      attempt: 2,
      retryable: false,
      errorClass: 'ambiguous',
      nextAttemptAt: null,
      failedAt: 12_000,
    });
    const given = run([requested(), final]);
    expect(given.mails.get(mailId)).toMatchObject({ status: 'ambiguous' });
    expect(given.mails.get(mailId)?.timeline[1]?.reason).toContain('not resent again');
    expect(given.totals).toEqual({ requested: 1 });
  });

  test('order status only moves forward; a late OrderPlaced keeps the cancellation', () => {
    const { orders } = run([record('OrderCancelled', { reason: 'changed mind' }), record('OrderPlaced')]);
    expect(orders.get('o-1001')).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed mind',
      totalMinor: SAMPLE_EVENTS.OrderPlaced.totalMinor,
    });
  });

  test('the recipient counts follow each mail to its current status', () => {
    const { recipients } = run([
      record('MailRequested', { mailId: 'order-confirmation:a' }),
      record('MailRequested', { mailId: 'order-confirmation:b' }),
      record('MailSent', { mailId: 'order-confirmation:a' }),
      record('MailBounced', { mailId: 'order-confirmation:a' }),
    ]);
    const [r] = [...recipients.values()];
    expect(r).toMatchObject({ total: 2, counts: { requested: 1, bounced: 1 } });
    expect(r?.mails.map((m) => m.mailId).sort()).toEqual(['order-confirmation:a', 'order-confirmation:b']);
  });
});

describe('a parked mail', () => {
  const parked = () =>
    record('MailParked', {
      mailId,
      orderId: 'o-1001',
      customerId: 'c-42',
      parkedAt: 5_000,
      parkedUntil: 86_405_000,
    });

  test('shows on its order as parked, with since and until on its timeline', () => {
    const { mails, orders } = run([parked()]);
    const mail = mails.get(mailId)!;
    expect(mail.status).toBe('parked');
    expect(mail.timeline).toEqual([
      expect.objectContaining({
        type: 'parked',
        at: 5_000,
        reason: expect.stringMatching(/1970-01-02T00:00:05\.000Z/),
      }),
    ]);
    expect(orders.get('o-1001')!.mails).toEqual([
      { mailId, templateId: 'order-confirmation', status: 'parked' },
    ]);
  });

  test('moves on when requested, and a parked notice seen again later never takes it back', () => {
    for (const records of [
      [parked(), requested()],
      [requested(), parked()],
    ]) {
      const mail = run(records).mails.get(mailId)!;
      expect(mail.status).toBe('requested');
      expect(mail.timeline.map((t) => t.type)).toEqual(['parked', 'requested']);
    }
  });
});
