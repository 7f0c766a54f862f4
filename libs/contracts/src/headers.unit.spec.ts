import { fromKafkaHeaders, newEnvelope, toKafkaHeaders } from './headers';

const now = new Date('2026-11-23T09:30:00.000Z');

describe('envelopes', () => {
  test('an original fact is its own correlation and causation', () => {
    const e = newEnvelope({ eventType: 'OrderPlaced', producer: 'orders', eventId: 'e1', now });
    expect(e).toEqual({
      eventId: 'e1',
      eventType: 'OrderPlaced',
      correlationId: 'e1',
      causationId: 'e1',
      occurredAt: '2026-11-23T09:30:00.000Z',
      producer: 'orders',
      traceparent: undefined,
    });
  });

  test('a caused event carries the correlation id on and names its cause', () => {
    const cause = { eventId: 'e1', correlationId: 'c0', traceparent: '00-abc-def-01' };
    const e = newEnvelope({ eventType: 'MailRequested', producer: 'translator', eventId: 'e2', now, cause });
    expect(e).toMatchObject({ correlationId: 'c0', causationId: 'e1', traceparent: '00-abc-def-01' });
  });

  test('headers round-trip, and traceparent is written only when present', () => {
    const e = newEnvelope({ eventType: 'OrderPlaced', producer: 'orders', eventId: 'e1', now });
    const headers = toKafkaHeaders(e);
    expect(Object.keys(headers)).not.toContain('traceparent');
    const asBuffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromKafkaHeaders(asBuffers, 'OrderPlaced')).toEqual({ ok: true, envelope: e });
  });

  test('missing required headers are named', () => {
    expect(fromKafkaHeaders({ 'event-id': 'x', producer: 'p' }, 'OrderPlaced')).toEqual({
      ok: false,
      missing: ['correlation-id', 'causation-id', 'occurred-at'],
    });
  });
});
