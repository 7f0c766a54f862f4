import { deadLetterView } from './dead-letter-view';

const record = (headers: Record<string, string | undefined>) => ({
  topic: 'orders.events.dlq',
  partition: 1,
  offset: '17',
  timestamp: 1_700_000_000_000,
  headers,
});

test('a dead letter is listed by its place, with what its headers say', () => {
  expect(
    deadLetterView(
      record({
        'dlq-source-topic': 'orders.events',
        'dlq-source-partition': '2',
        'dlq-source-offset': '118',
        'dlq-consumer-group': 'translator',
        'dlq-error-code': 'undecodable-record.truncated',
        'dlq-reason': 'only 3 bytes',
        'event-type': 'OrderPlaced',
        'event-id': 'e-1',
      }),
    ),
  ).toEqual({
    _id: 'orders.events.dlq:1:17',
    dlqTopic: 'orders.events.dlq',
    sourceTopic: 'orders.events',
    sourcePartition: 2,
    sourceOffset: '118',
    group: 'translator',
    errorCode: 'undecodable-record.truncated',
    reason: 'only 3 bytes',
    eventType: 'OrderPlaced',
    eventId: 'e-1',
    deadLetteredAt: 1_700_000_000_000,
  });
});

test('a record without our headers, or with a hostile reason, still gives a bounded document', () => {
  const view = deadLetterView(record({ 'dlq-source-partition': 'two', 'dlq-reason': 'x'.repeat(100_000) }));
  expect(view).toMatchObject({ sourceTopic: null, sourcePartition: null, group: null, errorCode: null });
  expect(view.reason).toHaveLength(2_000);
});
