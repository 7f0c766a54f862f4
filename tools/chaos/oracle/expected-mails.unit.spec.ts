import { expectedMails, type CommittedFact } from './expected-mails';

let seq = new Map<string, number>();
beforeEach(() => {
  seq = new Map();
});
const fact = (type: string, key: string, at: number, payload: Record<string, unknown>): CommittedFact => {
  const n = (seq.get(key) ?? 0) + 1;
  seq.set(key, n);
  // Published a moment after it happened, unless a test says otherwise.
  return { type, key, seq: n, at, payload, publishedAt: at };
};
const registered = (c: string, at: number, email = `${c}@example.test`) =>
  fact('CustomerRegistered', c, at, { customerId: c, email, name: 'N', locale: 'en' });
const optOut = (c: string, at: number, out: boolean) =>
  fact('CustomerMailPreferencesChanged', c, at, {
    customerId: c,
    transactionalOptOut: out,
    marketingOptOut: false,
  });
const placed = (o: string, c: string, at: number) =>
  fact('OrderPlaced', o, at, { orderId: o, customerId: c });

test('a registered customer gets one mail per placed, shipped and cancelled order fact', () => {
  const e = expectedMails([
    registered('c1', 1),
    placed('o1', 'c1', 2),
    fact('OrderShipped', 'o1', 3, { orderId: 'o1', customerId: 'c1' }),
    placed('o2', 'c1', 4),
    fact('OrderCancelled', 'o2', 5, { orderId: 'o2', customerId: 'c1' }),
  ]);
  expect([...e.values()]).toEqual([
    { mailId: 'order-confirmation:o1', must: 'send', addresses: ['c1@example.test'] },
    { mailId: 'shipping-notice:o1', must: 'send', addresses: ['c1@example.test'] },
    { mailId: 'order-confirmation:o2', must: 'send', addresses: ['c1@example.test'] },
    { mailId: 'cancellation-notice:o2', must: 'send', addresses: ['c1@example.test'] },
  ]);
});

test('an order before its customer registered is mailed once the customer is known; never without a customer', () => {
  const e = expectedMails([placed('o1', 'c1', 1), registered('c1', 5), placed('o2', 'ghost', 2)]);
  expect(e.get('order-confirmation:o1')).toEqual({
    mailId: 'order-confirmation:o1',
    must: 'send',
    addresses: ['c1@example.test'],
  });
  expect(e.get('order-confirmation:o2')).toMatchObject({ must: 'never' });
});

test('opted out at the fact and ever after: never; a change of mind after the fact: either way', () => {
  const e = expectedMails([
    registered('c1', 1),
    optOut('c1', 2, true),
    placed('o1', 'c1', 3),
    registered('c2', 1),
    placed('o2', 'c2', 3),
    optOut('c2', 4, true),
  ]);
  expect(e.get('order-confirmation:o1')).toMatchObject({ must: 'never' });
  expect(e.get('order-confirmation:o2')).toEqual({
    mailId: 'order-confirmation:o2',
    must: 'either',
    addresses: ['c2@example.test'],
  });
});

test('an address changed after the fact allows either address; one changed before allows only the new one', () => {
  const e = expectedMails([
    registered('c1', 1),
    placed('o1', 'c1', 2),
    fact('CustomerEmailChanged', 'c1', 3, { customerId: 'c1', email: 'new@example.test' }),
    placed('o2', 'c1', 4),
  ]);
  expect(e.get('order-confirmation:o1')).toMatchObject({
    must: 'send',
    addresses: ['c1@example.test', 'new@example.test'],
  });
  expect(e.get('order-confirmation:o2')).toMatchObject({ must: 'send', addresses: ['new@example.test'] });
});

test('a customer change made before the fact but published after it allows either outcome', () => {
  const known = registered('c1', 1);
  const change = { ...optOut('c1', 2, true), publishedAt: 10 };
  const e = expectedMails([known, change, placed('o1', 'c1', 3)]);
  expect(e.get('order-confirmation:o1')).toMatchObject({ must: 'either' });
});

test('facts of one customer are taken in commit order (seq), not in the order they were read', () => {
  const r = registered('c1', 1);
  const out = optOut('c1', 2, true);
  const back = optOut('c1', 3, false);
  const e = expectedMails([placed('o1', 'c1', 4), back, r, out]);
  expect(e.get('order-confirmation:o1')).toMatchObject({ must: 'send' });
});
