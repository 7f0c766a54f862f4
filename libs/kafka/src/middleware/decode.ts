// Decoding: bytes and headers to a typed event with its envelope and the context its handler gets; and
// the innermost step of the one-by-one pipeline, which hands the decoded record to its handler.
import type { KafkaMessage } from 'kafkajs';
import { requireEnvelope, type DecodedEvent, type EventCodec, type RecordSource } from '@mailfleet/contracts';
import { withLogContext, type Logger } from '@mailfleet/logger';
import type { ConsumerMetrics } from '../consumer-metrics';
import type {
  BatchHandler,
  DecodedRecord,
  EventHandlers,
  HandlerContext,
  RecordStep,
} from '../consumer-types';
import { whileHeartbeating } from './heartbeat';

/** The ids every log line about a record carries: its correlation and event ids and where it came from. */
function logFields(source: RecordSource, envelope: HandlerContext['envelope']) {
  return { correlationId: envelope.correlationId, eventId: envelope.eventId, ...source };
}

/** Decodes one record; throws UndecodableRecordError (permanent) or a registry outage (retriable). */
export async function decodeRecord(
  codec: EventCodec,
  source: RecordSource,
  message: KafkaMessage,
  logger: Logger,
): Promise<DecodedRecord> {
  const event = await codec.decode(source, message.value);
  const envelope = requireEnvelope(message.headers ?? {}, event.eventType, source, message.value);
  const context: HandlerContext = {
    source,
    envelope,
    key: message.key?.toString() ?? null,
    timestamp: Number(message.timestamp),
    logger: logger.child(logFields(source, envelope)),
  };
  return { event, context };
}

export interface HandleDeps {
  readonly codec: EventCodec;
  readonly handlers: EventHandlers | undefined;
  readonly batch: BatchHandler | undefined;
  readonly groupId: string;
  readonly logger: Logger;
  readonly metrics: ConsumerMetrics;
}

/**
 * Decodes the record and hands it to its event handler ('ignored' when its type has none) or, for a
 * consumer without per-type handlers, to the batch handler as a chunk of one.
 */
export function decodeAndHandle(d: HandleDeps): RecordStep {
  return async (r) => {
    const decoded = await decodeRecord(d.codec, r.source, r.message, d.logger);
    const type = decoded.event.eventType;
    r.eventType = type;
    let handle: () => Promise<void>;
    if (d.handlers) {
      const handler = d.handlers[type] as ((e: DecodedEvent, c: HandlerContext) => Promise<void>) | undefined;
      if (!handler) return 'ignored';
      handle = () => handler(decoded.event, decoded.context);
    } else if (d.batch) {
      const batch = d.batch;
      handle = () => batch([decoded], [{ ...r.source, timestamp: decoded.context.timestamp }]);
    } else return 'ignored';
    const end = d.metrics.handlerSeconds.startTimer({
      group: d.groupId,
      topic: r.source.topic,
      event_type: type,
    });
    const fields = logFields(r.source, decoded.context.envelope);
    await whileHeartbeating(r.heartbeat, () => withLogContext(fields, handle));
    end();
    return 'processed';
  };
}
