// The recipient document: how many of a recipient's mails are in each status, and the latest of them.
import {
  RECIPIENT_HISTORY_LIMIT,
  type MailStatus,
  type MailView,
  type Position,
  type RecipientView,
} from '@mailfleet/read-models';

/** `recipient` with `mail` counted in its status (moved from `previous`, when it was counted before). */
export function withRecipientMail(
  recipient: RecipientView | null,
  email: string,
  mail: MailView,
  previous: MailStatus | null,
  position: Position,
): RecipientView {
  const r: RecipientView = recipient ?? {
    _id: email,
    email,
    customerId: mail.customerId,
    counts: {},
    total: 0,
    mails: [],
    asOf: position,
  };
  const counts: Partial<Record<MailStatus, number>> = { ...r.counts };
  const known = r.mails.some((m) => m.mailId === mail.mailId) || previous !== null;
  if (known && previous !== null) {
    const left = (counts[previous] ?? 0) - 1;
    // Zero counts are left out, so documents do not depend on which statuses a mail passed through.
    if (left > 0) counts[previous] = left;
    else delete counts[previous];
  }
  counts[mail.status] = (counts[mail.status] ?? 0) + 1;
  const entry = {
    mailId: mail.mailId,
    templateId: mail.templateId,
    status: mail.status,
    requestedAt: mail.requestedAt,
  };
  const others = r.mails.filter((m) => m.mailId !== mail.mailId);
  const mails = [entry, ...others]
    .sort((a, b) => (b.requestedAt ?? 0) - (a.requestedAt ?? 0) || a.mailId.localeCompare(b.mailId))
    .slice(0, RECIPIENT_HISTORY_LIMIT);
  return {
    ...r,
    customerId: r.customerId ?? mail.customerId,
    counts,
    total: known ? r.total : r.total + 1,
    mails,
    asOf: position,
  };
}
