import { registryUnreachable } from './kafka-clients';

describe('registryUnreachable: what a starting service waits out', () => {
  test.each([
    [
      'a refused connection (the client reports it as a 400)',
      {
        status: 400,
        message: 'Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:28721',
      },
    ],
    ['a reset connection', { message: 'read ECONNRESET' }],
    ['a timeout', { code: 'ETIMEDOUT', message: 'request timed out' }],
    ['an unknown host (DNS not ready yet)', { message: 'getaddrinfo ENOTFOUND schema-registry' }],
    ['a 503 while it starts', { status: 503, message: 'Service Unavailable' }],
  ])('%s: retried', (_name, err) => {
    expect(registryUnreachable(err)).toBe(true);
  });

  test.each([
    [
      'an incompatible schema (409)',
      { status: 409, message: 'Schema being registered is incompatible with an earlier schema' },
    ],
    ['an invalid schema (422)', { status: 422, message: 'Invalid schema' }],
    ['an unauthorised client (401)', { status: 401, message: 'Unauthorized' }],
    ['a programming error', new TypeError('x is not a function')],
  ])('%s: not retried, the start fails at once', (_name, err) => {
    expect(registryUnreachable(err)).toBe(false);
  });
});
