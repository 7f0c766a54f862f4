// Pure projection rules: the documents a record touches, before → after. No I/O: the projection store
// loads the documents, calls `project`, and writes the result with the partition's checkpoint. One file
// per document: mail-view, order-view, recipient-view, template-days; record-keys says which documents.
//
// Records about one mail arrive on different topics (mail.requested, mail.events), so their order is not
// guaranteed: the rules are order-independent. A mail's status only moves forward (by rank), the
// timeline is kept sorted by time, and whichever of "requested" and "sent" comes second adds the latency.
import type { OrderView, RecipientView } from '@mailfleet/read-models';
import { evolveMail, mailFact } from './mail-view';
import { emptyOrder, projectOrderFact, withOrderMail } from './order-view';
import { isOrderEvent, type Changes, type Loaded, type ProjectedRecord } from './projected-record';
import { mailIdOf } from './record-keys';
import { withRecipientMail } from './recipient-view';
import { templateDaysFor } from './template-days';

const NONE: Changes = { mail: null, order: null, recipient: null, templateDays: [] };

/** Applies one record to the documents it touches. */
export function project(loaded: Loaded, record: ProjectedRecord): Changes {
  const { event, position } = record;
  if (isOrderEvent(event)) {
    const order = loaded.order ?? emptyOrder(event.payload.orderId, position);
    return { ...NONE, order: projectOrderFact(order, event, record) };
  }

  const fact = mailFact(event);
  const mailId = mailIdOf(event);
  if (!fact || !mailId) return NONE;
  const evolved = evolveMail(loaded.mail, mailId, fact, record);
  if (!evolved) return NONE;
  const { before, mail } = evolved;

  const order: OrderView | null =
    mail.orderId === null
      ? null
      : withOrderMail(loaded.order ?? emptyOrder(mail.orderId, position), mail, position);

  let recipient: RecipientView | null = null;
  if (mail.email !== null) {
    const statusChanged = loaded.mail === null || before.status !== mail.status;
    const newlyAttached = before.email === null;
    if (statusChanged || newlyAttached) {
      const previous = loaded.mail !== null && !newlyAttached ? before.status : null;
      recipient = withRecipientMail(loaded.recipient, mail.email, mail, previous, position);
    }
  }
  return { mail, order, recipient, templateDays: templateDaysFor(fact, before, mail, record) };
}
