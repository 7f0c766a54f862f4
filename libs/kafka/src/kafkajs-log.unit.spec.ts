import { kafkajsLogLevel } from './kafkajs-log';

describe('kafkajsLogLevel', () => {
  test.each([
    ["The coordinator is loading and hence can't process requests for this group"],
    ['The group coordinator is not available'],
    ['There is no leader for this topic-partition as we are in the middle of a leadership election'],
  ])('a retried response error (%s) is debug', (error) => {
    expect(kafkajsLogLevel('error', 'Response InitProducerId(key: 22, version: 1)', error)).toBe('debug');
  });

  test.each([
    [
      'Response Produce(key: 0, version: 7)',
      'The request included a message larger than the max message size the server will accept',
    ],
    ['Response SaslAuthenticate(key: 36, version: 1)', 'SASL Authentication failed'],
    ['Connection error: connect ECONNREFUSED 127.0.0.1:9092', undefined],
  ])('%s stays an error', (message, error) => {
    expect(kafkajsLogLevel('error', message, error)).toBe('error');
  });

  test('the explained warning is debug; any other warning stays a warning', () => {
    expect(
      kafkajsLogLevel('warn', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'),
    ).toBe('debug');
    expect(kafkajsLogLevel('warn', 'The group is rebalancing, re-joining')).toBe('warn');
  });
});
