import { MailfleetError } from '@mailfleet/errors';

/**
 * An event too large for Kafka, refused before the caller's transaction commits: it could never be
 * published, and a record that can never be published must not be committed.
 */
export class OutboxRecordTooLargeError extends MailfleetError {
  override name = 'OutboxRecordTooLargeError';

  constructor(topic: string, eventType: string, key: string, bytes: number, limit: number) {
    super(
      'outbox-record-too-large',
      `${eventType} for key ${JSON.stringify(key.slice(0, 80))} on ${topic} is ${bytes} bytes encoded; the outbox takes at most ${limit} (maxRecordBytes). Keep blobs out of events: store them with @mailfleet/attachments and put the reference in the event.`,
      { retriable: false, context: { topic, eventType, bytes, limit } },
    );
  }
}
