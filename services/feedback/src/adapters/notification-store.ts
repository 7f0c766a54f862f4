// Notifications, stored once each (the provider's event id is the key) together with the events they
// become, in one transaction with the outbox: a notification acknowledged to its provider is never lost,
// and one delivered again (providers retry until they see a 2xx) changes nothing.
import type { Db, MongoClient } from 'mongodb';
import { newEnvelope, type TopicDefinition } from '@mailfleet/contracts';
import type { Outbox, OutboxEvent } from '@mailfleet/outbox';
import type { FeedbackDecision, FeedbackOutcome } from '../domain/feedback-decision';
import type { Notification } from '../domain/notification';

export const NOTIFICATIONS = 'notifications';

export interface StoredNotification {
  /** `<provider>:<provider's event id>`. */
  readonly _id: string;
  readonly notification: Notification;
  readonly mailId: string | null;
  readonly outcome: FeedbackOutcome;
  /** The id of the event it became, if any. */
  readonly eventId: string | null;
  readonly receivedAt: Date;
}

export const notificationKey = (n: Notification): string => `${n.provider}:${n.eventId}`;

/**
 * What is kept of a notification: what happened to which mail, never the address or the server's words
 * (which often quote the address). The event it became carries those to the fleet; kept here they could
 * not be erased, since a notification does not say whose it is (docs/privacy.md).
 */
export const withoutPersonalData = (n: Notification): Notification => ({
  ...n,
  recipient: null,
  diagnostic: null,
});

export class NotificationStore {
  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly mailEvents: TopicDefinition,
    private readonly newId: () => string,
    private readonly now: () => Date,
  ) {}

  private get notifications() {
    return this.db.collection<StoredNotification>(NOTIFICATIONS);
  }

  /**
   * Kept for `retentionSeconds` after receipt: longer than any provider retries a notification (SendGrid:
   * 72 hours), so a late retry still finds its twin. Changing the retention replaces the index.
   */
  async ensureIndexes(retentionSeconds: number): Promise<void> {
    const ttl = { key: { receivedAt: 1 }, name: 'received_ttl', expireAfterSeconds: retentionSeconds };
    const existing = (await this.notifications.indexes().catch(() => [])).find((i) => i.name === ttl.name);
    if (existing && existing.expireAfterSeconds !== retentionSeconds)
      await this.notifications.dropIndex(ttl.name);
    await this.notifications.createIndexes([ttl, { key: { mailId: 1 }, name: 'mail' }]);
  }

  /**
   * Stores the decisions not stored before and adds the events of those to the outbox, all in one
   * transaction. Returns those that were new. Two requests with the same notification at once: the second
   * transaction conflicts, runs again, finds the first's and stores nothing.
   */
  async record(decisions: readonly FeedbackDecision[]): Promise<FeedbackDecision[]> {
    const unique = [...new Map(decisions.map((d) => [notificationKey(d.notification), d])).values()];
    if (unique.length === 0) return [];
    const session = this.client.startSession();
    try {
      let fresh: FeedbackDecision[] = [];
      await session.withTransaction(async () => {
        const seen = await this.notifications
          .find({ _id: { $in: unique.map((d) => notificationKey(d.notification)) } }, { session })
          .project<{ _id: string }>({ _id: 1 })
          .toArray();
        const known = new Set(seen.map((s) => s._id));
        fresh = unique.filter((d) => !known.has(notificationKey(d.notification)));
        if (fresh.length === 0) return;
        const receivedAt = this.now();
        const events: OutboxEvent[] = [];
        const docs = fresh.map((d): StoredNotification => {
          const eventId = d.event === null ? null : this.newId();
          if (d.event !== null && eventId !== null)
            events.push({
              topic: this.mailEvents.name,
              key: d.event.payload.mailId,
              envelope: {
                ...newEnvelope({
                  eventType: d.event.type,
                  producer: 'feedback',
                  eventId,
                  now: receivedAt,
                }),
                eventType: d.event.type,
              },
              payload: d.event.payload,
            } as OutboxEvent);
          return {
            _id: notificationKey(d.notification),
            notification: withoutPersonalData(d.notification),
            mailId: d.mailId,
            outcome: d.outcome,
            eventId,
            receivedAt,
          };
        });
        await this.notifications.insertMany(docs, { session });
        await this.outbox.addMany(session, events);
      });
      return fresh;
    } finally {
      await session.endSession();
    }
  }

  async ping(): Promise<boolean> {
    await this.db.command({ ping: 1 });
    return true;
  }
}
