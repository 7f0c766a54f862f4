// Encodes and decodes events in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)
// through the schema registry. Each event type is its own subject per topic (TopicRecordNameStrategy).
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import {
  InvalidEventError,
  SchemaRegistryUnavailableError,
  UndecodableRecordError,
  type UndecodableReason,
} from './contract-errors';
import {
  EVENT_COMPATIBILITY,
  EVENT_FULL_NAMES,
  EVENT_SCHEMAS,
  type EventPayloads,
  type EventType,
} from './generated/events';
import type { CompatibilityLevel } from './schema-compatibility';
import { subjectOf, type TopicDefinition } from './topics';

export interface DecodedEvent<T extends EventType = EventType> {
  readonly eventType: T;
  readonly payload: EventPayloads[T];
  readonly schemaId: number;
}

export type AnyDecodedEvent = { [T in EventType]: DecodedEvent<T> }[EventType];

export interface RecordSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

const TYPE_BY_FULL_NAME = new Map(
  Object.entries(EVENT_FULL_NAMES).map(([type, full]) => [full, type as EventType]),
);
const READER_TYPES = new Map<EventType, avro.Type>(
  Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [
    type as EventType,
    avro.Type.forSchema(schema as avro.Schema),
  ]),
);

const readerOf = (type: EventType): avro.Type => READER_TYPES.get(type) as avro.Type;

/** Every field of `payload` that does not fit the event's schema, as "path: problem". */
export function schemaProblems(type: EventType, payload: unknown): string[] {
  const problems: string[] = [];
  readerOf(type).isValid(payload, {
    errorHook: (path, value, t) => {
      const shown = value === undefined ? 'missing' : JSON.stringify(value)?.slice(0, 60);
      problems.push(`${[type, ...path].join('.')}: expected ${t.branchName ?? t.typeName}, got ${shown}`);
    },
  });
  return problems;
}

export class EventCodec {
  private readonly ids = new Map<string, number>();
  private readonly writers = new Map<number, avro.Type>();
  private readonly resolvers = new Map<number, avro.Resolver>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly topics: readonly TopicDefinition[],
  ) {}

  /** Registers every event type of every topic under its subject with its declared compatibility; idempotent. */
  async register(): Promise<void> {
    for (const topic of this.topics) {
      for (const type of topic.eventTypes) {
        await this.alignCompatibility(
          subjectOf(topic.name, EVENT_FULL_NAMES[type]),
          EVENT_COMPATIBILITY[type],
        );
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(EVENT_SCHEMAS[type]) },
          // The client's options type lacks `subject`, which it honours (TopicRecordNameStrategy).
          {
            subject: subjectOf(topic.name, EVENT_FULL_NAMES[type]),
            compatibility: EVENT_COMPATIBILITY[type],
          } as never,
        );
        this.ids.set(`${topic.name}|${type}`, id);
      }
    }
  }

  /**
   * The level declared in the schema is the contract: a subject registered earlier with another level
   * is moved to it (the client only sets the level on a subject's first registration, and refuses to
   * register when they differ). The client has no public call for this, hence its `api`.
   */
  private async alignCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const { api } = this.registry as unknown as {
      api: {
        Subject: {
          updateConfig(args: { subject: string; body: { compatibility: string } }): Promise<unknown>;
        };
      };
    };
    const current = await this.registry.getLatestSchemaId(subject).then(
      () => true,
      () => false,
    );
    if (current) await api.Subject.updateConfig({ subject, body: { compatibility: level } });
  }

  private topic(name: string): TopicDefinition {
    const topic = this.topics.find((t) => t.name === name);
    if (!topic) throw new Error(`topic '${name}' is not one this codec was built for`);
    return topic;
  }

  /** Validates `payload` against the event's schema (throwing InvalidEventError naming the fields) and encodes it. */
  async encode<T extends EventType>(topicName: string, type: T, payload: EventPayloads[T]): Promise<Buffer> {
    const topic = this.topic(topicName);
    if (!topic.eventTypes.includes(type)) throw new Error(`${type} does not belong on topic ${topicName}`);
    const problems = schemaProblems(type, payload);
    if (problems.length > 0) throw new InvalidEventError(type, problems);
    let id = this.ids.get(`${topicName}|${type}`);
    if (id === undefined) {
      id = await this.registry.getRegistryId(subjectOf(topicName, EVENT_FULL_NAMES[type]), 'latest');
      this.ids.set(`${topicName}|${type}`, id);
    }
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, readerOf(type).toBuffer(payload)]);
  }

  /**
   * Decodes a record's value into the event our schema describes (resolving the writer's schema to
   * ours). Throws UndecodableRecordError for records that will never decode; registry outages throw
   * their own (retriable) errors.
   */
  async decode(source: RecordSource, value: Buffer | null): Promise<AnyDecodedEvent> {
    const fail = (reason: UndecodableReason, detail: string, cause?: unknown): never => {
      throw new UndecodableRecordError(reason, detail, source, value, cause);
    };
    if (value === null || value.length === 0) return fail('empty-value', 'the record has no value');
    if (value[0] !== 0)
      return fail('bad-magic-byte', `magic byte is ${value[0]}, expected 0 (Confluent wire format)`);
    if (value.length < 5)
      return fail('truncated', `only ${value.length} bytes; the wire format needs at least 5`);
    const schemaId = value.readInt32BE(1);
    const writer = await this.writer(schemaId, fail);
    const type = TYPE_BY_FULL_NAME.get(writer.name ?? '');
    if (type === undefined || !this.topic(source.topic).eventTypes.includes(type)) {
      return fail(
        'unexpected-event-type',
        `schema ${schemaId} is ${writer.name ?? 'unnamed'}, which does not belong on ${source.topic}`,
      );
    }
    let resolver = this.resolvers.get(schemaId);
    if (!resolver) {
      try {
        resolver = readerOf(type).createResolver(writer);
      } catch (err) {
        return fail(
          'schema-mismatch',
          `our ${type} schema cannot read schema ${schemaId}: ${(err as Error).message}`,
          err,
        );
      }
      this.resolvers.set(schemaId, resolver);
    }
    try {
      const payload = readerOf(type).fromBuffer(value.subarray(5), resolver) as EventPayloads[typeof type];
      return { eventType: type, payload, schemaId } as AnyDecodedEvent;
    } catch (err) {
      const message = (err as Error).message;
      return fail(
        /truncated/.test(message) ? 'truncated' : 'malformed-avro',
        `Avro body does not decode: ${message}`,
        err,
      );
    }
  }

  private async writer(
    id: number,
    fail: (r: UndecodableReason, d: string, c?: unknown) => never,
  ): Promise<avro.Type> {
    const cached = this.writers.get(id);
    if (cached) return cached;
    let type: avro.Type;
    try {
      type = (await this.registry.getSchema(id)) as unknown as avro.Type;
    } catch (err) {
      // Only the registry's own "not found" condemns the record; an unreachable or failing registry
      // (a restart, a network blip, a cold cache after a new schema version) is waited out.
      if ((err as { status?: number }).status === 404)
        return fail('unknown-schema-id', `schema id ${id} is not in the registry`, err);
      throw new SchemaRegistryUnavailableError(
        `looking up schema id ${id}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    this.writers.set(id, type);
    return type;
  }
}
