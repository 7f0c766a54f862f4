// Deterministic mail lifecycles for projector tests: for each order, a confirmation that is sent (some
// after a retry), and a shipping notice that is sent, fails for good, is dead-lettered or suppressed.
import type { TestEvent } from './projector-test-fixture';

export function lifecycleEvents(prefix: string, orders: number, t0: number): TestEvent[] {
  const events: TestEvent[] = [];
  for (let i = 0; i < orders; i++) {
    const orderId = `${prefix}-o-${i}`;
    const at = t0 + i * 1_000;
    const email = `${prefix}-c${i % 7}@example.test`;
    const correlationId = `corr-${orderId}`;
    events.push({
      type: 'OrderPlaced',
      key: orderId,
      correlationId,
      payload: {
        orderId,
        customerId: `c${i % 7}`,
        lines: [],
        currency: 'EUR',
        subtotalMinor: 1000,
        shippingMinor: 0,
        taxMinor: 0,
        totalMinor: 1000 + i,
        placedAt: at,
        invoice: null,
      },
    });
    for (const [kind, offset] of [
      ['order-confirmation', 100],
      ['shipping-notice', 500],
    ] as const) {
      const mailId = `${kind}:${orderId}`;
      events.push({
        type: 'MailRequested',
        key: mailId,
        correlationId,
        payload: {
          mailId,
          templateId: kind,
          templateVersion: 1,
          recipient: { customerId: `c${i % 7}`, email, name: null },
          locale: 'en',
          templateData: JSON.stringify({ orderId }),
          attachments: [],
          priority: 'NORMAL',
          notBefore: null,
          digest: null,
          category: kind === 'shipping-notice' ? 'shipping-updates' : null,
          requestedAt: at + offset,
        },
      });
      const outcome = kind === 'order-confirmation' ? i % 3 : 3 + (i % 4);
      const failed = (attempt: number, retryable: boolean, errorClass: string) =>
        ({
          type: 'MailSendFailed',
          key: mailId,
          correlationId,
          payload: {
            mailId,
            attempt,
            errorClass,
            errorMessage: `${errorClass} on attempt ${attempt}`,
            retryable,
            nextAttemptAt: retryable ? at + offset + 1_000 * attempt : null,
            failedAt: at + offset + 200 * attempt,
          },
        }) as const;
      const sent = (attempt: number) =>
        ({
          type: 'MailSent',
          key: mailId,
          correlationId,
          payload: {
            mailId,
            smtpMessageId: `<${mailId}@test>`,
            accepted: [email],
            rejected: [],
            attempt,
            sentAt: at + offset + 300 * attempt,
          },
        }) as const;
      if (outcome === 0 || outcome === 3) events.push(sent(1));
      if (outcome === 1) events.push(failed(1, true, 'smtp-4xx'), sent(2));
      if (outcome === 2)
        events.push(sent(1), {
          type: 'MailDelivered',
          key: mailId,
          correlationId,
          payload: { mailId, smtpMessageId: null, deliveredAt: at + offset + 900 },
        });
      if (outcome === 4) events.push(failed(1, false, 'smtp-5xx'));
      if (outcome === 5) {
        events.push(failed(1, true, 'smtp-4xx'), failed(2, true, 'smtp-4xx'), {
          type: 'MailDeadLettered',
          key: mailId,
          correlationId,
          payload: {
            mailId,
            attempts: 2,
            lastErrorClass: 'smtp-4xx',
            lastErrorMessage: 'smtp-4xx on attempt 2',
            history: [],
            deadLetteredAt: at + offset + 600,
          },
        });
      }
      if (outcome === 6)
        events.push(sent(1), {
          type: 'MailBounced',
          key: mailId,
          correlationId,
          payload: {
            mailId,
            bounceType: 'HARD',
            diagnostic: '550 mailbox gone',
            bouncedAt: at + offset + 950,
            recipient: null,
            status: '5.1.1',
            source: 'dsn',
          },
        });
    }
  }
  return events;
}
