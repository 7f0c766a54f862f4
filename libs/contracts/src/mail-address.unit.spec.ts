import { isMailAddress, mailAddressProblem } from './mail-address';

describe('mail addresses', () => {
  test.each([
    'ada@example.test',
    'ada.lovelace+orders@mail.example.co.uk',
    "o'brien@example.test",
    'x@a-b.example',
    `${'a'.repeat(64)}@example.test`,
  ])('%s is usable', (address) => {
    expect(mailAddressProblem(address)).toBeUndefined();
  });

  test.each<[string, string]>([
    ['', 'empty'],
    ['not-an-address', 'needs a local part'],
    ['ada@', 'needs a local part'],
    ['@example.test', 'needs a local part'],
    ['ada@@example.test', 'local part'],
    ['ada@example', 'at least two'],
    ['ada@-example.test', 'at least two'],
    ['.ada@example.test', 'local part'],
    ['ada..l@example.test', 'local part'],
    ['"ada"@example.test', 'local part'],
    ['ad\\a@example.test', 'local part'],
    ['ada lovelace@example.test', 'local part'],
    ['ada\r\nBcc: x@evil.test@example.test', 'local part'],
    ['ada@exa\nmple.test', 'domain'],
    ['ada@exämple.test', 'domain'],
    ['<ada@example.test>', 'local part'],
    ['ada@example.test, eve@evil.test', 'local part'],
    ['ada@example.test,eve', 'domain'],
    [`${'a'.repeat(65)}@example.test`, 'at most 64'],
    [`a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.example.test`, 'at most 254'],
  ])('%j is refused (%s)', (address, why) => {
    expect(mailAddressProblem(address)).toContain(why);
    expect(isMailAddress(address)).toBe(false);
  });
});
