// Redaction after a customer's erasure (CustomerErased): the marker every service writes where personal
// data was, and the scrubbing of free text (servers' replies, timeline reasons) that may quote it.

/** What stands where an erased value was. */
export const ERASED = '[erased]';

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with every occurrence of the personal values (any letter case, as text, not patterns) replaced. */
export function scrubbed(text: string, personal: readonly string[]): string {
  const values = personal.filter((p) => p.trim().length > 0);
  if (values.length === 0) return text;
  return text.replace(new RegExp(values.map(escaped).join('|'), 'gi'), ERASED);
}
