// One valid payload per event type, for round-trip and contract tests.
import type { EventPayloads, EventType } from '@mailfleet/contracts';

const t = Date.UTC(2026, 10, 23, 9, 30, 0);

export const SAMPLE_EVENTS: { readonly [T in EventType]: EventPayloads[T] } = {
  OrderPlaced: {
    orderId: 'o-1001',
    customerId: 'c-42',
    lines: [
      { sku: 'TEA-GREEN-100', name: 'Green tea, 100 g', quantity: 2, unitPriceMinor: 750 },
      { sku: 'MUG-BLUE', name: 'Blue mug', quantity: 1, unitPriceMinor: 1299 },
    ],
    currency: 'EUR',
    subtotalMinor: 2799,
    shippingMinor: 495,
    taxMinor: 526,
    totalMinor: 3294,
    placedAt: t,
  },
  OrderShipped: {
    orderId: 'o-1001',
    customerId: 'c-42',
    carrier: 'DHL',
    trackingNumber: '00340434161094042557',
    trackingUrl: 'https://tracking.example.test/00340434161094042557',
    shippedAt: t + 86_400_000,
  },
  OrderCancelled: {
    orderId: 'o-1001',
    customerId: 'c-42',
    reason: 'Payment was declined',
    cancelledAt: t + 3_600_000,
  },
  CustomerRegistered: {
    customerId: 'c-42',
    email: 'ada@example.test',
    name: 'Ada Lovelace',
    locale: 'en',
    timeZone: 'Europe/London',
    registeredAt: t - 1000,
  },
  CustomerEmailChanged: { customerId: 'c-42', email: 'ada.l@example.test', changedAt: t + 5000 },
  CustomerMailPreferencesChanged: {
    customerId: 'c-42',
    transactionalOptOut: false,
    marketingOptOut: true,
    changedAt: t + 6000,
    timeZone: null,
  },
  MailRequested: {
    mailId: 'order-confirmation:o-1001',
    templateId: 'order-confirmation',
    templateVersion: 1,
    recipient: { customerId: 'c-42', email: 'ada@example.test', name: 'Ada Lovelace' },
    locale: 'en',
    templateData: JSON.stringify({ orderId: 'o-1001', totalMinor: 3294, currency: 'EUR' }),
    attachments: [
      {
        blobId: '6740d1c2e4b0a1b2c3d4e5f6',
        filename: 'invoice-o-1001.pdf',
        contentType: 'application/pdf',
        sizeBytes: 48213,
        sha256: 'a3f1c9e0b7d24c1e9f0a6b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e',
      },
    ],
    priority: 'NORMAL',
    requestedAt: t + 10,
    notBefore: null,
    digest: null,
  },
  MailSent: {
    mailId: 'order-confirmation:o-1001',
    smtpMessageId: '<order-confirmation.o-1001@mailfleet>',
    accepted: ['ada@example.test'],
    rejected: [],
    attempt: 1,
    sentAt: t + 2000,
  },
  MailSendFailed: {
    mailId: 'order-confirmation:o-1001',
    attempt: 1,
    errorClass: 'smtp-4xx',
    errorMessage: '451 Requested action aborted: try again later',
    retryable: true,
    nextAttemptAt: t + 32_000,
    failedAt: t + 2000,
  },
  MailDeadLettered: {
    mailId: 'order-confirmation:o-1001',
    attempts: 2,
    lastErrorClass: 'smtp-5xx',
    lastErrorMessage: '550 mailbox unavailable',
    history: [
      { attempt: 1, errorClass: 'timeout', errorMessage: 'connection timed out', failedAt: t + 2000 },
      { attempt: 2, errorClass: 'smtp-5xx', errorMessage: '550 mailbox unavailable', failedAt: t + 40_000 },
    ],
    deadLetteredAt: t + 40_001,
  },
  MailDelivered: { mailId: 'order-confirmation:o-1001', smtpMessageId: null, deliveredAt: t + 5000 },
  MailBounced: {
    mailId: 'order-confirmation:o-1001',
    bounceType: 'HARD',
    diagnostic: '550 5.1.1 user unknown',
    bouncedAt: t + 9000,
  },
  MailSuppressed: {
    mailId: 'shipping-notice:o-1001',
    customerId: 'c-42',
    templateId: 'shipping-notice',
    reason: 'the customer opted out of transactional mail',
    suppressedAt: t + 86_400_001,
  },
  MailRequestRejected: {
    mailId: 'order-confirmation:o-2002',
    customerId: 'c-77',
    templateId: 'order-confirmation',
    reasonCode: 'CUSTOMER_UNKNOWN',
    reason: 'customer c-77 was never registered; check the customers.events feed of the customer service',
    rejectedAt: t + 60_000,
  },
  MailParked: {
    mailId: 'order-confirmation:o-3003',
    customerId: 'c-88',
    orderId: 'o-3003',
    templateId: 'order-confirmation',
    reason: 'waiting for customer c-88: not known to the translator yet',
    parkedAt: t + 1_000,
    parkedUntil: t + 86_401_000,
  },
};

/** An order of one item for the example shop's placeOrder, as the process-level tests place them. */
export const oneItemOrder = (orderId: string, customerId: string) => ({
  orderId,
  customerId,
  lines: [{ sku: 'A', name: 'A', quantity: 1, unitPriceMinor: 100 }],
  currency: 'EUR',
  subtotalMinor: 100,
  shippingMinor: 0,
  taxMinor: 0,
  totalMinor: 100,
});
