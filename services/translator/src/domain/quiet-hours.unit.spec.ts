import { isKnownTimeZone, parseQuietHours, quietHoursEnd, recipientZone } from './quiet-hours';

const night = { startMinute: 22 * 60, endMinute: 7 * 60 };
const at = (iso: string) => Date.parse(iso);

describe('quietHoursEnd', () => {
  test('23:00 in Berlin with quiet hours 22:00–07:00 waits until 07:00 Berlin time the next morning', () => {
    // 2026-12-06 23:00 CET is 22:00 UTC; 07:00 CET the next day is 06:00 UTC.
    expect(quietHoursEnd(at('2026-12-06T22:00:00Z'), 'Europe/Berlin', night)).toBe(
      at('2026-12-07T06:00:00Z'),
    );
  });

  test('after midnight the end is the same morning', () => {
    expect(quietHoursEnd(at('2026-12-07T05:59:00Z'), 'Europe/Berlin', night)).toBe(
      at('2026-12-07T06:00:00Z'),
    );
  });

  test('outside the quiet hours nothing waits, the end minute itself included', () => {
    expect(quietHoursEnd(at('2026-12-07T06:00:00Z'), 'Europe/Berlin', night)).toBeNull();
    expect(quietHoursEnd(at('2026-12-07T11:00:00Z'), 'Europe/Berlin', night)).toBeNull();
    expect(quietHoursEnd(at('2026-12-06T20:59:59Z'), 'Europe/Berlin', night)).toBeNull();
  });

  test("the recipient's zone decides, not the server's: 23:00 UTC is 18:00 in New York", () => {
    expect(quietHoursEnd(at('2026-12-06T23:00:00Z'), 'America/New_York', night)).toBeNull();
    expect(quietHoursEnd(at('2026-12-06T23:00:00Z'), 'UTC', night)).toBe(at('2026-12-07T07:00:00Z'));
  });

  test('a night in which the clocks go forward ends at 07:00 local time, an hour earlier in UTC', () => {
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT. 23:00 EST the evening before is 04:00 UTC.
    expect(quietHoursEnd(at('2026-03-08T04:00:00Z'), 'America/New_York', night)).toBe(
      at('2026-03-08T11:00:00Z'),
    );
  });

  test('a window within one day (12:00–14:00)', () => {
    const lunch = { startMinute: 12 * 60, endMinute: 14 * 60 };
    expect(quietHoursEnd(at('2026-12-07T13:15:00Z'), 'UTC', lunch)).toBe(at('2026-12-07T14:00:00Z'));
    expect(quietHoursEnd(at('2026-12-07T14:00:00Z'), 'UTC', lunch)).toBeNull();
    expect(quietHoursEnd(at('2026-12-07T11:59:00Z'), 'UTC', lunch)).toBeNull();
  });
});

describe('parseQuietHours', () => {
  test('reads HH:MM-HH:MM, and nothing for an empty text', () => {
    expect(parseQuietHours('22:00-07:00')).toEqual(night);
    expect(parseQuietHours(' 12:30 - 14:00 ')).toEqual({ startMinute: 750, endMinute: 840 });
    expect(parseQuietHours('')).toBeUndefined();
  });

  test.each(['22-7', '24:00-07:00', '22:00', '22:00-07:00-08:00', '07:00-07:00'])(
    'refuses %j with a message saying what is expected',
    (text) => {
      expect(() => parseQuietHours(text)).toThrow(/quiet hours must/);
    },
  );
});

describe('recipientZone', () => {
  test("uses the customer's zone when the runtime knows it, the default otherwise", () => {
    expect(recipientZone('Asia/Tokyo', 'UTC')).toBe('Asia/Tokyo');
    expect(recipientZone('Mars/Olympus_Mons', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(recipientZone('', 'Europe/Berlin')).toBe('Europe/Berlin');
    expect(recipientZone(null, 'UTC')).toBe('UTC');
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('../../etc/passwd')).toBe(false);
  });
});
