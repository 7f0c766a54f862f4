import { MailfleetError } from '@mailfleet/errors';

/** Why a record could not be turned into an event; each is permanent for that record. */
export type UndecodableReason =
  | 'empty-value'
  | 'bad-magic-byte'
  | 'truncated'
  | 'unknown-schema-id'
  | 'unexpected-event-type'
  | 'schema-mismatch'
  | 'malformed-avro'
  | 'missing-header';

/**
 * A record that can never be decoded: it carries where it came from and its raw bytes, so the consumer
 * can dead-letter it as it was.
 */
export class UndecodableRecordError extends MailfleetError {
  override name = 'UndecodableRecordError';

  constructor(
    readonly reason: UndecodableReason,
    detail: string,
    readonly source: { readonly topic: string; readonly partition: number; readonly offset: string },
    readonly raw: Buffer | null,
    cause?: unknown,
  ) {
    super(
      `undecodable-record.${reason}`,
      `${source.topic}[${source.partition}]@${source.offset}: ${detail}`,
      {
        retriable: false,
        context: { ...source, reason },
        cause,
      },
    );
  }
}

/** A payload that does not match its schema; the message names every offending field. */
export class InvalidEventError extends MailfleetError {
  override name = 'InvalidEventError';

  constructor(
    readonly eventType: string,
    readonly problems: readonly string[],
  ) {
    super('invalid-event', `${eventType} does not match its schema: ${problems.join('; ')}`, {
      retriable: false,
      context: { eventType, problems },
    });
  }
}

/**
 * The schema registry did not answer (unreachable, timed out, 5xx): nothing is wrong with the record.
 * Retriable, so consumers wait for the registry instead of dead-lettering valid records.
 */
export class SchemaRegistryUnavailableError extends MailfleetError {
  override name = 'SchemaRegistryUnavailableError';

  constructor(detail: string, cause?: unknown) {
    super('schema-registry-unavailable', `the schema registry did not answer: ${detail}`, {
      retriable: true,
      cause,
    });
  }
}
