import { MailfleetError, classifyError } from './index';

const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

describe('classifyError', () => {
  test.each<[string, unknown, string]>([
    ['our retriable error', new MailfleetError('smtp-4xx', 'later', { retriable: true }), 'retriable'],
    ['our permanent error', new MailfleetError('invalid-event', 'bad'), 'permanent'],
    ['a Mongo network error', named('MongoNetworkError'), 'retriable'],
    ['a Mongo server selection timeout', named('MongoServerSelectionError'), 'retriable'],
    [
      'a transient transaction error',
      named('MongoServerError', { hasErrorLabel: (l: string) => l === 'TransientTransactionError' }),
      'retriable',
    ],
    ['a retriable KafkaJS error', named('KafkaJSConnectionError', { retriable: true }), 'retriable'],
    ['a non-retriable KafkaJS error', named('KafkaJSNonRetriableError', { retriable: false }), 'permanent'],
    ['a plain bug', new TypeError('x is undefined'), 'unknown'],
    ['a thrown string', 'oops', 'unknown'],
  ])('%s is %s', (_name, err, expected) => {
    expect(classifyError(err)).toBe(expected);
  });
});
