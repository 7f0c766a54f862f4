// The sender reads mail.events for one thing: the delivery feedback that fills its suppression list, so
// that the dispatcher can check an address right before it sends. Its own events there are skipped.
import type { BatchHandler } from '@mailfleet/kafka';
import { addressFactsAmong, type AddressFact, type SuppressionStore } from '@mailfleet/suppression';

export function withAddressFeedback(
  requests: BatchHandler,
  o: {
    readonly feedbackTopic: string;
    readonly suppressions: SuppressionStore;
    readonly count: (kind: AddressFact['kind'] | 'no-address') => void;
  },
): BatchHandler {
  return async (records, ends) => {
    const feedback = records.filter((r) => r.context.source.topic === o.feedbackTopic);
    // Adding a fact is idempotent: no transaction and no inbox, and a replay changes nothing.
    await o.suppressions.add(
      undefined,
      addressFactsAmong(
        feedback.map((r) => ({ event: r.event, eventId: r.context.envelope.eventId })),
        o.count,
      ),
    );
    const rest = records.filter((r) => r.context.source.topic !== o.feedbackTopic);
    if (rest.length > 0) await requests(rest, ends);
  };
}
