// A mail of an erased customer (CustomerErased) without its personal data: the address and the name go,
// the template data goes (it may name the customer), and the servers' replies in the attempt history lose
// any quote of the address or the name (`550 5.1.1 <ada@example.com>: …`). Ids, statuses and times stay:
// the record still says that the mail existed and how it ended, which is what "never twice" needs.
import { scrubbed, type MailRequested } from '@mailfleet/contracts';
import type { MailState } from './mail-state';

/** Not an address anyone can have: `.invalid` is reserved for that (RFC 2606 §2). */
export const ERASED_ADDRESS = 'erased@erased.invalid';
export const ERASED_REASON = 'the customer was erased (CustomerErased)';

/** The parts of a mail's state that may hold personal data, redacted. */
export function redactedMail(state: MailState): Pick<MailState, 'request' | 'history'> {
  const { recipient } = state.request;
  const personal = [recipient.email, ...(recipient.name === null ? [] : [recipient.name])];
  const request: MailRequested = {
    ...state.request,
    recipient: { customerId: recipient.customerId, email: ERASED_ADDRESS, name: null },
    templateData: '{}',
  };
  return {
    request,
    history: state.history.map((h) => ({ ...h, errorMessage: scrubbed(h.errorMessage, personal) })),
  };
}
