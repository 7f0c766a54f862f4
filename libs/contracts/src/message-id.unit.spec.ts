import {
  mailIdFromHeader,
  mailIdFromMessageId,
  mailIdFromVerp,
  messageIdFor,
  verpAddressFor,
} from './message-id';

const DOMAIN = 'mail.example.test';

test.each([
  'order-confirmation:o-1001',
  'shipping-digest:c-42:2026-12-07T08:00:00.000Z',
  'order-confirmation:Ünïcødé-😀-ö1',
  'order-confirmation:=3a already escaped-looking',
  'x',
])('a Message-ID of ours names its mail again: %s', (mailId) => {
  const messageId = messageIdFor(mailId, DOMAIN);
  expect(messageId).toMatch(/^<[A-Za-z0-9._=-]+@mail\.example\.test>$/);
  expect(mailIdFromMessageId(messageId, DOMAIN)).toBe(mailId);
  // Providers report it without angle brackets, and domains are case-insensitive.
  expect(mailIdFromMessageId(messageId.slice(1, -1), DOMAIN.toUpperCase())).toBe(mailId);
});

test('two ids that differ only after a multi-byte character get different Message-IDs', () => {
  expect(messageIdFor('a:é1', DOMAIN)).not.toBe(messageIdFor('a:\u0e91', DOMAIN));
});

test('a Message-ID that is not ours, or is the digest form of a long id, names no mail', () => {
  const long = `order-confirmation:${'o'.repeat(200)}`;
  expect(messageIdFor(long, DOMAIN)).toMatch(/==[0-9a-f]{16}@/);
  expect(mailIdFromMessageId(messageIdFor(long, DOMAIN), DOMAIN)).toBeNull();
  expect(mailIdFromMessageId('<order-confirmation=3ao-1@elsewhere.test>', DOMAIN)).toBeNull();
  expect(mailIdFromMessageId('<20261207.abc@mail.example.test>', DOMAIN)).toBe('20261207.abc');
  expect(mailIdFromMessageId('<a b@mail.example.test>', DOMAIN)).toBeNull();
  expect(mailIdFromMessageId('<=ff=fe@mail.example.test>', DOMAIN)).toBeNull(); // not UTF-8
  expect(mailIdFromMessageId('<=3A@mail.example.test>', DOMAIN)).toBeNull(); // not as we write it
  expect(mailIdFromMessageId('', DOMAIN)).toBeNull();
});

test('the X-Mailfleet-Mail-Id header decodes, and a broken one names no mail', () => {
  expect(mailIdFromHeader('order-confirmation:o%20%C3%BC')).toBe('order-confirmation:o ü');
  expect(mailIdFromHeader('%E0%A4%A')).toBeNull();
  expect(mailIdFromHeader('  ')).toBeNull();
});

test('a VERP return path names its mail; one too long for a local part names none', () => {
  const address = verpAddressFor('order-confirmation:o-1001', 'bounces.example.test');
  expect(address).toBe('bounces+order-confirmation=3ao-1001@bounces.example.test');
  expect(mailIdFromVerp(address, 'bounces.example.test')).toBe('order-confirmation:o-1001');
  expect(mailIdFromVerp(`<${address.toUpperCase()}>`, 'bounces.example.test')).toBeNull(); // escapes are lower-case
  const long = verpAddressFor(`order-confirmation:${'x'.repeat(60)}`, 'bounces.example.test');
  expect(long.split('@')[0]!.length).toBeLessThanOrEqual(64);
  expect(mailIdFromVerp(long, 'bounces.example.test')).toBeNull();
  expect(mailIdFromVerp('someone@bounces.example.test', 'bounces.example.test')).toBeNull();
  expect(mailIdFromVerp(address, 'other.test')).toBeNull();
});
