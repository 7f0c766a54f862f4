import type { DigestWindow, RequestDecision } from '../domain/digests';
import { closingsOf, digestRuleFor } from './digest-collection';
import type { TranslatorDeps } from './translator-deps';

import { policy } from '../../test/domain/translate-fixtures';

const rule = {
  kind: 'shipping-notice',
  digestKind: 'shipping-digest',
  window: { type: 'sliding', ms: 60_000 },
  singleAsItself: true,
} as const;
let ids = 0;
const deps = {
  policy: { ...policy, digests: [rule] },
  topics: { requested: { name: 'mail.requested' }, events: { name: 'mail.events' } },
  newId: () => `id-${++ids}`,
} as unknown as TranslatorDeps;

const request = (orderId: string, priority: RequestDecision['priority'] = 'NORMAL'): RequestDecision => ({
  type: 'request',
  mailId: `shipping-notice:${orderId}`,
  kind: 'shipping-notice',
  templateVersion: 1,
  recipient: { customerId: 'c-1', email: 'a@example.test', name: null },
  locale: 'en',
  templateData: { orderId },
  priority,
  notBefore: null,
  cause: { eventId: `e-${orderId}`, correlationId: `c-${orderId}` },
});

/** A window of customer c-1 open from 1 s to 61 s. */
const window = (members: RequestDecision[]): DigestWindow => ({
  _id: 'shipping-notice:c-1',
  customerId: 'c-1',
  kind: 'shipping-notice',
  openedAt: 1_000,
  closesAt: 61_000,
  zone: 'UTC',
  members,
});

test('a request of a collected kind is collected, unless it is HIGH priority; other kinds never are', () => {
  expect(digestRuleFor(deps, request('o-1'))).toBe(rule);
  expect(digestRuleFor(deps, request('o-1', 'HIGH'))).toBeUndefined();
  expect(digestRuleFor(deps, { ...request('o-1'), kind: 'order-confirmation' })).toBeUndefined();
});

test('closing: a digest gets a ledger entry and a MailRequested; a window of one only its own MailRequested', () => {
  const at = new Date(61_000);
  const both = closingsOf(deps, [window([request('o-1'), request('o-2')]), window([request('o-3')])], at);
  expect(both.ledger.map((l) => [l._id, l.outcome])).toEqual([['shipping-digest:c-1:1000', 'requested']]);
  expect(both.events.map((e) => [e.topic, e.key, e.envelope.eventType])).toEqual([
    ['mail.requested', 'shipping-digest:c-1:1000', 'MailRequested'],
    ['mail.requested', 'shipping-notice:o-3', 'MailRequested'],
  ]);
  expect(both.events[0]?.payload).toMatchObject({
    digest: {
      windowStart: 1_000,
      windowEnd: 61_000,
      members: ['shipping-notice:o-1', 'shipping-notice:o-2'],
    },
  });
  expect(both.events[1]?.payload).toMatchObject({ digest: null });
});

test('a window of a kind no longer collected (digests switched off) still goes out', () => {
  const off = { ...deps, policy: { ...policy, digests: [] } } as unknown as TranslatorDeps;
  const w = window([request('o-1'), request('o-2')]);
  expect(closingsOf(off, [w], new Date(61_000)).events.map((e) => e.key)).toEqual([
    'shipping-digest:c-1:1000',
  ]);
});
