import { checkUnsubscribeKeys, openUnsubscribeToken, sealUnsubscribeToken } from './unsubscribe-token';

const KEY_A = 'a'.repeat(16) + 'unsubscribe-key-one-0123';
const KEY_B = 'b'.repeat(16) + 'unsubscribe-key-two-4567';
const claim = {
  mailId: 'shipping-notice:o-1',
  customerId: 'c-1',
  recipient: 'Ada@Example.test',
  category: 'shipping-updates',
};

test('a sealed token opens to its claim (address lower-cased) and shows nothing of it in the URL', () => {
  const token = sealUnsubscribeToken(claim, [KEY_A]);
  expect(token).toMatch(/^u1\.[A-Za-z0-9_-]+$/);
  expect(token.toLowerCase()).not.toContain('ada');
  expect(Buffer.from(token.slice(3), 'base64url').toString('latin1')).not.toMatch(/ada|example|c-1/i);
  expect(openUnsubscribeToken(token, [KEY_A])).toEqual({ ...claim, recipient: 'ada@example.test' });
});

test('an altered, truncated or foreign token opens to nothing', () => {
  const token = sealUnsubscribeToken(claim, [KEY_A]);
  const body = Buffer.from(token.slice(3), 'base64url');
  for (let i = 0; i < body.length; i += 7) {
    const flipped = Buffer.from(body);
    flipped[i] = flipped[i]! ^ 1;
    expect(openUnsubscribeToken(`u1.${flipped.toString('base64url')}`, [KEY_A])).toBeNull();
  }
  expect(openUnsubscribeToken(token.slice(0, -4), [KEY_A])).toBeNull();
  expect(openUnsubscribeToken(token, [KEY_B])).toBeNull();
  expect(openUnsubscribeToken(`u2${token.slice(2)}`, [KEY_A])).toBeNull();
  expect(openUnsubscribeToken('', [KEY_A])).toBeNull();
  expect(openUnsubscribeToken('u1.', [KEY_A])).toBeNull();
});

test('during a rotation, links sealed with the old key still open, and new ones use the new key', () => {
  const old = sealUnsubscribeToken(claim, [KEY_A]);
  const fresh = sealUnsubscribeToken(claim, [KEY_B, KEY_A]);
  expect(openUnsubscribeToken(old, [KEY_B, KEY_A])).not.toBeNull();
  expect(openUnsubscribeToken(fresh, [KEY_B])).not.toBeNull();
  expect(openUnsubscribeToken(fresh, [KEY_A])).toBeNull();
});

test('short or too many keys are refused with a reason', () => {
  expect(() => checkUnsubscribeKeys(['short'])).toThrow(/key 1 is 5 bytes; use at least 32/);
  expect(() => checkUnsubscribeKeys([])).toThrow(/one unsubscribe key, or two/);
  expect(() => checkUnsubscribeKeys([KEY_A, KEY_B, KEY_A])).toThrow(/got 3/);
});
