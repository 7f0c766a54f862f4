import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrl, testTopics } from '@mailfleet/testing';
import { EventCodec } from './event-codec';
import { EVENT_FULL_NAMES, EVENT_SCHEMAS } from './generated/events';
import { MAIL_REQUESTED, subjectOf } from './topics';

const levelOf = async (subject: string) =>
  ((await (await fetch(`${schemaRegistryUrl()}/config/${subject}`)).json()) as { compatibilityLevel: string })
    .compatibilityLevel;

test('a subject registered earlier with another level is moved to the level the schema declares', async () => {
  const [topic] = testTopics([MAIL_REQUESTED]);
  const registry = new SchemaRegistry({ host: schemaRegistryUrl() });
  const subject = subjectOf(topic!.name, EVENT_FULL_NAMES.MailRequested);
  await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(EVENT_SCHEMAS.MailRequested) },
    { subject },
  );
  expect(await levelOf(subject)).toBe('BACKWARD');

  await new EventCodec(registry, [topic!]).register();
  expect(await levelOf(subject)).toBe('FULL');
});
