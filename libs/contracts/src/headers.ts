// The envelope every record carries in its Kafka headers.
import { UndecodableRecordError } from './contract-errors';
import type { EventType } from './generated/events';

export const HEADERS = {
  eventId: 'event-id',
  eventType: 'event-type',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  occurredAt: 'occurred-at',
  producer: 'producer',
  traceparent: 'traceparent',
} as const;

export interface Envelope {
  /** UUIDv7; consumers deduplicate by it. */
  readonly eventId: string;
  readonly eventType: EventType;
  /** Shared by every record that stems from the same original request. */
  readonly correlationId: string;
  /** The event id of the record that caused this one (its own id for an original fact). */
  readonly causationId: string;
  /** When the fact happened, ISO 8601 UTC. */
  readonly occurredAt: string;
  /** The service that wrote the record. */
  readonly producer: string;
  /** W3C trace context, when the producer had one. */
  readonly traceparent?: string | undefined;
}

/** Builds the envelope of a new fact, or of one caused by `cause`. Ids and time are passed in. */
export function newEnvelope(args: {
  eventType: EventType;
  producer: string;
  eventId: string;
  now: Date;
  cause?: Pick<Envelope, 'eventId' | 'correlationId' | 'traceparent'> | undefined;
}): Envelope {
  return {
    eventId: args.eventId,
    eventType: args.eventType,
    correlationId: args.cause?.correlationId ?? args.eventId,
    causationId: args.cause?.eventId ?? args.eventId,
    occurredAt: args.now.toISOString(),
    producer: args.producer,
    traceparent: args.cause?.traceparent,
  };
}

export function toKafkaHeaders(envelope: Envelope): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADERS.eventId]: envelope.eventId,
    [HEADERS.eventType]: envelope.eventType,
    [HEADERS.correlationId]: envelope.correlationId,
    [HEADERS.causationId]: envelope.causationId,
    [HEADERS.occurredAt]: envelope.occurredAt,
    [HEADERS.producer]: envelope.producer,
  };
  if (envelope.traceparent) headers[HEADERS.traceparent] = envelope.traceparent;
  return headers;
}

type RawHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined;

/** Reads one header as text (the first value when repeated). */
export function headerText(headers: RawHeaders, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

const REQUIRED = ['eventId', 'correlationId', 'causationId', 'occurredAt', 'producer'] as const;

/** The envelope of a received record, or the names of the headers that are missing. */
export function fromKafkaHeaders(
  headers: RawHeaders,
  eventType: EventType,
): { ok: true; envelope: Envelope } | { ok: false; missing: string[] } {
  const read = (key: keyof typeof HEADERS) => headerText(headers, HEADERS[key]);
  const missing = REQUIRED.filter((k) => !read(k)).map((k) => HEADERS[k]);
  if (missing.length > 0) return { ok: false, missing };
  return {
    ok: true,
    envelope: {
      eventId: read('eventId') as string,
      eventType,
      correlationId: read('correlationId') as string,
      causationId: read('causationId') as string,
      occurredAt: read('occurredAt') as string,
      producer: read('producer') as string,
      traceparent: read('traceparent'),
    },
  };
}

/**
 * The envelope of a decoded record; a record without the required headers can never be handled, so it
 * is undecodable (and goes to the DLQ with its bytes).
 */
export function requireEnvelope(
  headers: RawHeaders,
  eventType: EventType,
  source: { readonly topic: string; readonly partition: number; readonly offset: string },
  raw: Buffer | null,
): Envelope {
  const read = fromKafkaHeaders(headers, eventType);
  if (!read.ok) {
    throw new UndecodableRecordError(
      'missing-header',
      `required headers missing: ${read.missing.join(', ')}`,
      source,
      raw,
    );
  }
  return read.envelope;
}
