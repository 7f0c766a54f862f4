import { Counter, type Registry } from 'prom-client';

export function createFeedbackMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'feedback_webhook_requests_total',
      help: 'Webhook requests by format and the status answered (401/403: refused, nothing stored)',
      labelNames: ['provider', 'status'],
      registers: [registry],
    }),
    dsnMessages: new Counter({
      name: 'feedback_dsn_messages_total',
      help: 'Messages received by the bounce listener, by result (report, not-a-report, too-large, unavailable)',
      labelNames: ['result'],
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'feedback_notifications_total',
      help: 'Notifications received, by format and outcome (event, unknown-mail, ignored, duplicate)',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
  };
}
export type FeedbackMetrics = ReturnType<typeof createFeedbackMetrics>;
