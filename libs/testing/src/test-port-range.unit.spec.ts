import { testPortRange } from './helpers';

describe('test servers listen outside the ephemeral range', () => {
  test("Linux's default range leaves 20000-32767", () => {
    expect(testPortRange('32768\t60999\n')).toEqual({ low: 20_000, high: 32_767 });
  });

  test('a range that starts low leaves the ports above it', () => {
    expect(testPortRange('1024 40000')).toEqual({ low: 40_001, high: 65_535 });
  });

  test('no usable room, or no range at all: undefined (the kernel picks)', () => {
    expect(testPortRange('20500 65000')).toBeUndefined();
    expect(testPortRange(undefined)).toBeUndefined();
    expect(testPortRange('garbage')).toBeUndefined();
  });
});
