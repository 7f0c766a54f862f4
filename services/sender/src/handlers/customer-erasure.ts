// CustomerErased (customers.events) in the sender: the customer's mails lose their personal data, those
// still waiting are suppressed, the addresses they went to leave the suppression list, their attachment
// blobs are deleted, and the customer is marked erased where the check right before sending looks — so
// a request that was already on its way when the erasure came is suppressed too (docs/privacy.md).
import type { MongoClient } from 'mongodb';
import type { AttachmentStore } from '@mailfleet/attachments';
import type { DecodedEvent, TopicDefinition } from '@mailfleet/contracts';
import type { BatchHandler } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import type { SuppressionStore } from '@mailfleet/suppression';
import type { SenderStore } from '../adapters/sender-store';
import { ERASED_REASON, redactedMail } from '../domain/erasure';
import type { MailState } from '../domain/mail-state';
import { mailSuppressed } from './sender-events';

export interface ErasureDeps {
  readonly client: MongoClient;
  readonly store: SenderStore;
  readonly suppressions: SuppressionStore;
  readonly attachments: AttachmentStore;
  readonly outbox: Outbox;
  readonly mailEvents: TopicDefinition;
  readonly customersTopic: string;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly onErased: (customers: number) => void;
}

const WAITING = new Set<MailState['status']>(['requested', 'retrying']);

/** Erases the customers named by the CustomerErased records of a chunk; hands the other records on. */
export function withCustomerErasure(next: BatchHandler, deps: ErasureDeps): BatchHandler {
  return async (records, ends) => {
    const fromCustomers = records.filter((r) => r.context.source.topic === deps.customersTopic);
    // The other customer facts are the translator's business: the sender only listens for erasures.
    const erased = fromCustomers.flatMap((r) =>
      r.event.eventType === 'CustomerErased' ? [(r.event as DecodedEvent<'CustomerErased'>).payload] : [],
    );
    if (erased.length > 0) await eraseCustomers(deps, erased);
    const rest = records.filter((r) => r.context.source.topic !== deps.customersTopic);
    if (rest.length > 0) await next(rest, ends);
  };
}

/** Idempotent: an erasure replayed finds the mails redacted already and changes nothing that matters. */
export async function eraseCustomers(
  deps: ErasureDeps,
  erased: readonly { customerId: string; erasedAt: number }[],
): Promise<void> {
  const customerIds = [...new Set(erased.map((e) => e.customerId))];
  let addresses: string[] = [];
  let blobIds: string[] = [];
  let suppressed = 0;
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      const at = deps.now();
      await deps.suppressions.markErased(
        session,
        erased.map((e) => ({ customerId: e.customerId, erasedAt: new Date(e.erasedAt) })),
      );
      const mails = await deps.store.ofCustomers(session, customerIds);
      addresses = [...new Set(mails.map((m) => m.request.recipient.email.toLowerCase()))];
      blobIds = [...new Set(mails.flatMap((m) => m.request.attachments.map((a) => a.blobId)))];
      const waiting = mails.filter((m) => WAITING.has(m.status));
      suppressed = waiting.length;
      await deps.store.redact(
        session,
        mails.map((m) => ({ mailId: m.mailId, set: redactedMail(m), suppress: WAITING.has(m.status) })),
        at,
      );
      await deps.outbox.addMany(
        session,
        waiting.map((m) => mailSuppressed(deps.mailEvents, m, ERASED_REASON, deps.newId(), at)),
      );
      await deps.suppressions.removeMany(session, addresses);
    }),
  );
  // Outside the transaction (GridFS); deleting again is harmless, and the janitor's sweep of orphans
  // catches a blob left by a crash right here.
  await deps.attachments.deleteMany(blobIds);
  deps.onErased(customerIds.length);
  deps.logger.info(
    { customers: customerIds, suppressed, blobs: blobIds.length },
    'customers erased: their mails redacted',
  );
}
