// What both receivers (the webhooks and the bounce listener) do with the decisions of one request: store
// the new ones with their events (one transaction), count and log each, count the duplicates.
import type { Logger } from '@mailfleet/logger';
import type { NotificationStore } from '../adapters/notification-store';
import type { FeedbackDecision } from '../domain/feedback-decision';
import type { Provider } from '../domain/notification';
import type { FeedbackMetrics } from './feedback-metrics';

/** Stores the decisions not seen before; returns those. Throws when MongoDB does (nothing committed). */
export async function recordNotifications(
  o: { readonly store: NotificationStore; readonly metrics: FeedbackMetrics },
  provider: Provider,
  decisions: readonly FeedbackDecision[],
  log: Logger,
): Promise<FeedbackDecision[]> {
  const fresh = await o.store.record(decisions);
  for (const d of fresh) {
    o.metrics.notifications.inc({ provider, outcome: d.outcome });
    log.info(
      { eventId: d.notification.eventId, kind: d.notification.kind, mailId: d.mailId, outcome: d.outcome },
      'notification stored',
    );
  }
  const duplicates = decisions.length - fresh.length;
  if (duplicates > 0) o.metrics.notifications.inc({ provider, outcome: 'duplicate' }, duplicates);
  return fresh;
}
