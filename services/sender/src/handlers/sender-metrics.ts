import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type SenderMetrics = ReturnType<typeof createSenderMetrics>;

export function createSenderMetrics(registry: Registry) {
  return {
    sent: new Counter({
      name: 'sender_mails_sent_total',
      help: 'Mails the SMTP server accepted',
      registers: [registry],
    }),
    failures: new Counter({
      name: 'sender_send_failures_total',
      help: 'Failed send attempts by class (recipient-permanent, message-permanent, recipient-transient, system-wide, ambiguous, invalid-request, local-infrastructure, unknown)',
      labelNames: ['class'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'sender_retries_scheduled_total',
      help: 'Attempts scheduled again after a failure',
      registers: [registry],
    }),
    suppressed: new Counter({
      name: 'sender_mails_suppressed_total',
      help: 'Mails not sent because their address was on the suppression list when they were due',
      registers: [registry],
    }),
    erasures: new Counter({
      name: 'sender_customers_erased_total',
      help: 'Customers whose mails were redacted on CustomerErased',
      registers: [registry],
    }),
    addressFeedback: new Counter({
      name: 'sender_address_feedback_total',
      help: 'Delivery feedback read from mail.events, by what it says of the address (no-address: it names none)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    blobsDeleted: new Counter({
      name: 'sender_attachment_blobs_deleted_total',
      help: 'Attachment blobs deleted, by why (finished: their mails finished longer than the grace period ago; orphan: old and needed by no mail)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    dead: new Counter({
      name: 'sender_mails_dead_total',
      help: 'Mails dead-lettered after their attempts',
      registers: [registry],
    }),
    failed: new Counter({
      name: 'sender_mails_failed_total',
      help: 'Mails failed for good (5xx, invalid request)',
      registers: [registry],
    }),
    ambiguous: new Counter({
      name: 'sender_ambiguous_outcomes_total',
      help: 'Attempts whose outcome is unknown (connection lost after the final dot, sender died mid-attempt), by what happens next (resend, none)',
      labelNames: ['next'],
      registers: [registry],
    }),
    resumed: new Counter({
      name: 'sender_interrupted_attempts_resumed_total',
      help: 'Claims found abandoned after the grace period (a sender died mid-attempt), recorded as ambiguous',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'sender_send_seconds',
      help: 'SMTP send time per attempt',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: 'sender_in_flight', help: 'Send attempts under way', registers: [registry] }),
    circuitOpen: new Gauge({
      name: 'sender_smtp_circuit_open',
      help: '1 while the SMTP circuit breaker is open',
      registers: [registry],
    }),
  };
}
