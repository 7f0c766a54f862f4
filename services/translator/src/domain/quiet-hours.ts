// Quiet hours: when a mail that is not urgent becomes due at night in its recipient's time zone, it is
// held until the quiet hours end there. Pure: the clock and the zone come in as values.
import { DateTime, IANAZone } from 'luxon';

/** A daily window in local wall-clock time, in minutes after midnight; may span midnight (22:00–07:00). */
export interface QuietHours {
  readonly startMinute: number;
  readonly endMinute: number;
}

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `22:00-07:00` → a window; undefined for an empty text (no quiet hours); throws on anything else. */
export function parseQuietHours(text: string): QuietHours | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const [start, end, ...rest] = trimmed.split('-').map((s) => s.trim());
  const s = CLOCK_TIME.exec(start ?? '');
  const e = CLOCK_TIME.exec(end ?? '');
  if (!s || !e || rest.length > 0)
    throw new Error(`quiet hours must look like 22:00-07:00 (24-hour HH:MM-HH:MM)`);
  const startMinute = Number(s[1]) * 60 + Number(s[2]);
  const endMinute = Number(e[1]) * 60 + Number(e[2]);
  if (startMinute === endMinute) throw new Error(`quiet hours must not start and end at the same time`);
  return { startMinute, endMinute };
}

/** True for an IANA zone name the runtime knows (Europe/Berlin, UTC). */
export const isKnownTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

/** The recipient's zone when it is a known IANA name, otherwise the default (upstream data is not trusted). */
export function recipientZone(zone: string | null | undefined, defaultZone: string): string {
  return zone !== null && zone !== undefined && isKnownTimeZone(zone) ? zone : defaultZone;
}

/**
 * When the quiet hours that `at` falls into end, in `zone` — or null when `at` is outside them. The end is
 * the next local wall-clock time `endMinute` after `at`: on a day whose clocks jump over it (a DST
 * change at that hour), the first moment after the jump.
 */
export function quietHoursEnd(at: number, zone: string, window: QuietHours): number | null {
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  const { startMinute, endMinute } = window;
  const quiet =
    startMinute < endMinute
      ? minute >= startMinute && minute < endMinute
      : minute >= startMinute || minute < endMinute;
  if (!quiet) return null;
  const endToday = local.set({
    hour: Math.floor(endMinute / 60),
    minute: endMinute % 60,
    second: 0,
    millisecond: 0,
  });
  const end = endToday.toMillis() > at ? endToday : endToday.plus({ days: 1 });
  return end.toMillis();
}
