// One mail as each part of the fleet knows it: the translator's decision, the sender's state and the
// projection's timeline. Read straight from their databases (ops tooling sees everything, changes little).
import { META_COLLECTION, collectionNames, type MailView, type ProjectionMeta } from '@mailfleet/read-models';
import type { OpsContext } from './ops-context';

export interface SenderMailDoc {
  _id: string;
  status: string;
  attempt: number;
  nextAttemptAt: number;
  queuedAt: number;
  messageId: string;
  sentAt: number | null;
  history: readonly { attempt: number; errorClass: string; errorMessage: string; failedAt: number }[];
  request: {
    mailId: string;
    templateId: string;
    recipient: { customerId: string; email: string; name: string | null };
    [field: string]: unknown;
  };
  cause: { eventId: string; correlationId: string; traceparent?: string };
  operatorRetries?: number;
  /** When the sender deleted the mail's attachment blobs (a while after it finished). */
  attachmentsDeletedAt?: Date;
  erasedAt?: Date;
}

export interface CustomerDoc {
  _id: string;
  email?: string;
  name?: string;
  transactionalOptOut: boolean;
}

export const senderMails = async (ctx: OpsContext) =>
  (await ctx.db(ctx.env.SENDER_DB)).collection<SenderMailDoc>('sender_mails');

export async function mailRecords(ctx: OpsContext, mailId: string) {
  const translatorDb = await ctx.db(ctx.env.TRANSLATOR_DB);
  const projections = await ctx.db(ctx.env.PROJECTIONS_DB);
  const meta = await projections.collection<ProjectionMeta>(META_COLLECTION).findOne({ _id: 'projections' });
  const [decision, sender, view] = await Promise.all([
    translatorDb.collection<{ _id: string }>('translator_mails').findOne({ _id: mailId }),
    (await senderMails(ctx)).findOne({ _id: mailId }),
    meta
      ? projections
          .collection<MailView & { _id: string }>(collectionNames(meta.active).mails)
          .findOne({ _id: mailId })
      : null,
  ]);
  return { mailId, translator: decision, sender, projection: view };
}
