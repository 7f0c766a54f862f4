import { addressList, verifyPostmarkWebhook, type PostmarkAuth } from './postmark-auth';
import { statusFor } from './verdict';

const auth: PostmarkAuth = {
  username: 'postmark',
  password: 'a long random password',
  allowedSources: addressList(['3.134.147.250', '50.31.156.0/24', '2001:db8::/32']),
};
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

test('the right credentials from an allowed address are accepted, IPv4 through a dual-stack socket too', () => {
  const authorization = basic('postmark', 'a long random password');
  expect(verifyPostmarkWebhook({ remoteAddress: '3.134.147.250', authorization }, auth)).toEqual({
    ok: true,
  });
  expect(verifyPostmarkWebhook({ remoteAddress: '::ffff:50.31.156.7', authorization }, auth)).toEqual({
    ok: true,
  });
  expect(verifyPostmarkWebhook({ remoteAddress: '2001:db8::1', authorization }, auth)).toEqual({ ok: true });
});

test('wrong or missing credentials are 401; an address outside the list is 403 whatever the credentials', () => {
  const wrong = verifyPostmarkWebhook(
    { remoteAddress: '3.134.147.250', authorization: basic('postmark', 'guess') },
    auth,
  );
  expect(wrong).toMatchObject({ reason: 'bad-credentials' });
  expect(statusFor(wrong)).toBe(401);
  expect(
    verifyPostmarkWebhook(
      { remoteAddress: '3.134.147.250', authorization: basic('other', 'a long random password') },
      auth,
    ),
  ).toMatchObject({ reason: 'bad-credentials' });
  expect(
    verifyPostmarkWebhook({ remoteAddress: '3.134.147.250', authorization: undefined }, auth),
  ).toMatchObject({
    reason: 'missing-credentials',
  });
  expect(
    verifyPostmarkWebhook({ remoteAddress: '3.134.147.250', authorization: 'Bearer abc' }, auth),
  ).toMatchObject({
    reason: 'missing-credentials',
  });
  const outside = verifyPostmarkWebhook(
    { remoteAddress: '50.31.157.1', authorization: basic('postmark', 'a long random password') },
    auth,
  );
  expect(outside).toMatchObject({ reason: 'address-not-allowed' });
  expect(statusFor(outside)).toBe(403);
  expect(verifyPostmarkWebhook({ remoteAddress: undefined, authorization: undefined }, auth)).toMatchObject({
    reason: 'address-not-allowed',
  });
});

test('a malformed allow-list entry is refused at start, naming it', () => {
  expect(() => addressList(['3.134.147.250', 'postmark.example'])).toThrow(
    /"postmark.example" is not an IP address/,
  );
  expect(() => addressList(['50.31.156.0/33'])).toThrow(/no valid prefix length/);
});
