// Kafka errors that refuse a record for good: retrying the same bytes can never succeed.
const PERMANENT_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'POLICY_VIOLATION',
]);

/** The Kafka error type when `err` (or what it wraps) refuses the record for good; undefined otherwise. */
export function permanentRefusal(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
  if (typeof e.type === 'string' && PERMANENT_TYPES.has(e.type)) return e.type;
  for (const inner of [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = permanentRefusal(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}
