import { permanentRefusal } from './kafka-refusal';

test.each<[string, unknown, string | undefined]>([
  [
    'a record too large',
    { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false },
    'MESSAGE_TOO_LARGE',
  ],
  [
    'a refusal wrapped by the retrier',
    { name: 'KafkaJSNonRetriableError', originalError: { type: 'INVALID_RECORD' } },
    'INVALID_RECORD',
  ],
  [
    'one of an aggregate',
    { errors: [{ type: 'LEADER_NOT_AVAILABLE' }, { type: 'RECORD_LIST_TOO_LARGE' }] },
    'RECORD_LIST_TOO_LARGE',
  ],
  ['a leader change (retriable)', { type: 'NOT_LEADER_FOR_PARTITION', retriable: true }, undefined],
  ['a broker that is down', new Error('Connection error: connect ECONNREFUSED'), undefined],
  ['nothing', undefined, undefined],
])('%s → %s', (_name, err, expected) => {
  expect(permanentRefusal(err)).toBe(expected);
});
