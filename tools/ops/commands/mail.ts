// `ops mail show | retry | resend`: one mail's story, a failed mail back into the queue, an explicit
// resend under a new id. Both changes are audited.
import type { Command } from 'commander';
import { v7 as uuidv7 } from 'uuid';
import { newEnvelope, type MailRequested } from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import { audit } from '../audit';
import { mailRecords, senderMails, type CustomerDoc, type SenderMailDoc } from '../mail-records';
import { action } from '../ops-command';
import { OpsRefusal, needReason } from '../ops-errors';

const RETRYABLE = ['failed', 'dead'];

export function registerMail(program: Command): void {
  const mail = program.command('mail').description('one mail: show, retry, resend');

  mail
    .command('show')
    .argument('<mailId>')
    .description("the mail's timeline (projection), the sender's state and the translator's decision")
    .action(
      action(async (ctx, _o, out, args) => {
        const records = await mailRecords(ctx, args[0]!);
        if (!records.translator && !records.sender && !records.projection)
          throw new OpsRefusal(`no mail ${args[0]} in the translator, the sender or the projections`);
        out.result(records, (r) =>
          [
            `mail ${r.mailId}`,
            `translator: ${r.translator ? JSON.stringify(r.translator) : 'no decision recorded'}`,
            r.sender
              ? `sender: ${r.sender.status}, attempt ${r.sender.attempt}, Message-ID ${r.sender.messageId}` +
                (r.sender.sentAt ? `, sent ${new Date(r.sender.sentAt).toISOString()}` : '')
              : 'sender: not recorded',
            ...(r.sender?.history ?? []).map(
              (h) =>
                `  attempt ${h.attempt} ${new Date(h.failedAt).toISOString()} ${h.errorClass}: ${h.errorMessage}`,
            ),
            r.projection
              ? `timeline:\n${r.projection.timeline.map((t) => `  ${new Date(t.at).toISOString()} ${t.type}${t.reason ? ` ${t.reason}` : ''}`).join('\n')}`
              : 'projection: not there (yet)',
          ].join('\n'),
        );
      }),
    );

  mail
    .command('retry')
    .argument('<mailId>')
    .description("put a failed or dead mail back into the sender's queue (same mail, same Message-ID)")
    .option('--reason <text>', 'why: kept in the audit record')
    .action(
      action<{ reason?: string }>(async (ctx, opts, out, args) => {
        const reason = needReason(opts.reason, 'mail retry');
        const mails = await senderMails(ctx);
        const now = Date.now();
        // A fresh attempt budget and retry age: the operator decided the cause is gone.
        const updated = await mails.findOneAndUpdate(
          // A mail whose attachments are deleted (SENDER_ATTACHMENT_GRACE_HOURS after it finished) cannot go.
          {
            _id: args[0]!,
            status: { $in: RETRYABLE },
            attachmentsDeletedAt: { $exists: false },
            erasedAt: { $exists: false },
          },
          {
            $set: { status: 'retrying', nextAttemptAt: now, queuedAt: now, attempt: 0, sendingSince: null },
            // Not finished any more: the retention clock stops.
            $unset: { finishedAt: '' },
            $inc: { operatorRetries: 1 },
          },
          { returnDocument: 'before' },
        );
        if (!updated) {
          const current = await mails.findOne(
            { _id: args[0]! },
            { projection: { status: 1, attachmentsDeletedAt: 1, erasedAt: 1 } },
          );
          throw new OpsRefusal(
            cannotGoAgain(args[0]!, current) ??
              (current
                ? `mail ${args[0]} is ${current.status}; only ${RETRYABLE.join(' or ')} mails can be retried (use mail resend for a sent one)`
                : `the sender has no mail ${args[0]}`),
          );
        }
        const record = await audit(ctx, {
          command: 'mail retry',
          reason,
          args: { mailId: args[0] },
          result: { previousStatus: updated.status },
        });
        out.result(
          { mailId: args[0], previousStatus: updated.status, status: 'retrying', auditId: record._id },
          (r) =>
            `mail ${r.mailId}: ${r.previousStatus} -> retrying; a sender picks it up within SENDER_POLL_INTERVAL_MS`,
        );
      }),
    );

  mail
    .command('resend')
    .argument('<mailId>')
    .description("send a mail again as a new mail (derived id), e.g. at the customer's request")
    .option('--reason <text>', 'why: kept in the audit record')
    .action(
      action<{ reason?: string }>(async (ctx, opts, out, args) => {
        const reason = needReason(opts.reason, 'mail resend');
        const original = await (await senderMails(ctx)).findOne({ _id: args[0]! });
        if (!original)
          throw new OpsRefusal(`the sender has no mail ${args[0]}; only mails it recorded can be resent`);
        const gone = cannotGoAgain(args[0]!, original);
        if (gone !== null) throw new OpsRefusal(gone);
        const customerId = original.request.recipient.customerId;
        const customer = await (
          await ctx.db(ctx.env.TRANSLATOR_DB)
        )
          .collection<CustomerDoc>('translator_customers')
          .findOne({ _id: customerId });
        if (customer?.transactionalOptOut)
          throw new OpsRefusal(`customer ${customerId} opted out of transactional mail; not resent`);
        const ledger = (await ctx.db(ctx.env.OPS_DB)).collection<{ _id: string; mailId: string }>(
          'ops_resends',
        );
        const n = (await ledger.countDocuments({ mailId: args[0]! })) + 1;
        const newMailId = `${args[0]}~resend-${n}`;
        // The ledger's unique _id makes two operators resending at once get different ids.
        await ledger.insertOne({ _id: newMailId, mailId: args[0]! });
        const request: MailRequested = {
          ...(original.request as unknown as MailRequested),
          mailId: newMailId,
          // The address the customer has now, when the replica knows it.
          recipient: {
            ...original.request.recipient,
            email: customer?.email ?? original.request.recipient.email,
            name: customer?.name ?? original.request.recipient.name,
          },
          requestedAt: Date.now(),
        };
        const publisher = new EventPublisher(ctx.kafka, ctx.codec);
        await publisher.connect();
        try {
          await publisher.publish([
            {
              topic: ctx.topics.mailRequested.name,
              key: newMailId,
              envelope: newEnvelope({
                eventType: 'MailRequested',
                producer: 'mailfleet-ops',
                eventId: uuidv7(),
                now: new Date(),
                cause: {
                  eventId: original.cause.eventId,
                  correlationId: original.cause.correlationId,
                  traceparent: original.cause.traceparent,
                },
              }),
              payload: request,
            },
          ]);
        } finally {
          await publisher.disconnect();
        }
        const record = await audit(ctx, {
          command: 'mail resend',
          reason,
          args: { mailId: args[0] },
          result: { newMailId },
        });
        out.result(
          { mailId: args[0], newMailId, auditId: record._id },
          (r) => `mail ${r.mailId} resent as ${r.newMailId}`,
        );
      }),
    );
}

/**
 * Why a mail cannot be sent again: its customer was erased (the mail holds no address any more), or its
 * attachment blobs were deleted after it finished; null if neither.
 */
function cannotGoAgain(
  mailId: string,
  doc: Pick<SenderMailDoc, 'attachmentsDeletedAt' | 'erasedAt'> | null,
): string | null {
  if (doc?.erasedAt !== undefined)
    return `mail ${mailId}'s customer was erased at ${doc.erasedAt.toISOString()} (CustomerErased): it has no address to go to`;
  const at = doc?.attachmentsDeletedAt;
  return at !== undefined
    ? `mail ${mailId}'s attachments were deleted at ${at.toISOString()} (SENDER_ATTACHMENT_GRACE_HOURS after it finished); ask the upstream service to store them again and publish a new fact`
    : null;
}
