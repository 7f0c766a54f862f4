import { DLQ_HEADERS, deadLetterRecord } from './dead-letter';

const source = { topic: 'orders.events', partition: 2, offset: '41' };
const at = new Date('2026-11-23T10:00:00.000Z');

describe('deadLetterRecord', () => {
  test('keeps key, value and headers as they were and adds why and where from', () => {
    const original = {
      key: Buffer.from('o-1'),
      value: Buffer.from([0, 1, 2, 255]),
      headers: { 'event-id': Buffer.from('e1') },
    };
    const { topic, message } = deadLetterRecord(
      original,
      source,
      { code: 'undecodable-record.truncated', reason: 'too short' },
      'translator',
      at,
    );
    expect(topic).toBe('orders.events.dlq');
    expect(message.key).toBe(original.key);
    expect(message.value).toBe(original.value);
    expect(message.headers).toEqual({
      'event-id': original.headers['event-id'],
      [DLQ_HEADERS.reason]: 'too short',
      [DLQ_HEADERS.errorCode]: 'undecodable-record.truncated',
      [DLQ_HEADERS.sourceTopic]: 'orders.events',
      [DLQ_HEADERS.sourcePartition]: '2',
      [DLQ_HEADERS.sourceOffset]: '41',
      [DLQ_HEADERS.consumerGroup]: 'translator',
      [DLQ_HEADERS.firstFailedAt]: '2026-11-23T10:00:00.000Z',
    });
  });

  test('a record that failed before keeps the time it first failed', () => {
    const original = {
      key: null,
      value: null,
      headers: { [DLQ_HEADERS.firstFailedAt]: '2026-11-01T00:00:00.000Z' },
    };
    const { message } = deadLetterRecord(original, source, { code: 'x', reason: 'y' }, 'g', at);
    expect(message.headers?.[DLQ_HEADERS.firstFailedAt]).toBe('2026-11-01T00:00:00.000Z');
  });
});
