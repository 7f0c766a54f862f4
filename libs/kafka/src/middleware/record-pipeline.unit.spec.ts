// The one-by-one pipeline's middlewares, each around a plain step function: given a step that fails in
// a certain way, when the record goes through, then this outcome, these DLQ writes, these counts.
import type { KafkaMessage, Producer } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { MailfleetError } from '@mailfleet/errors';
import { consumerMetrics } from '../consumer-metrics';
import type { InFlightRecord, RecordStep } from '../consumer-types';
import { counting, deadLettering } from './dead-lettering';
import { Backoff, GaveUpError, retrying } from './retry';

const logger = pino({ level: 'silent' });
const retriable = () => new MailfleetError('mongo-away', 'MongoDB is away', { retriable: true });
const permanent = () => new MailfleetError('refused', 'the rules refuse it', { retriable: false });

function record(active = () => true): InFlightRecord {
  const message = {
    offset: '7',
    key: Buffer.from('k'),
    value: Buffer.from('bytes'),
    headers: {},
    timestamp: '1',
  };
  return {
    source: { topic: 't', partition: 0, offset: '7' },
    message: message as unknown as KafkaMessage,
    heartbeat: async () => undefined,
    active,
    eventType: 'unknown',
  };
}

function pipeline(step: RecordStep, opts: { deadLetters?: boolean; stop?: AbortController } = {}) {
  const registry = new Registry();
  const metrics = consumerMetrics(registry);
  const sent: { topic: string; reason: string }[] = [];
  const producer = {
    send: async ({
      topic,
      messages,
    }: {
      topic: string;
      messages: { headers: Record<string, unknown> }[];
    }) => {
      sent.push({ topic, reason: String(messages[0]?.headers['dlq-reason']) });
      return [];
    },
  } as unknown as Producer;
  const backoff = new Backoff(
    { initialMs: 1, maxMs: 2, maxUnknownAttempts: 3 },
    'g',
    metrics,
    (opts.stop ?? new AbortController()).signal,
  );
  const run = counting(
    metrics,
    'g',
  )(
    deadLettering({
      producer,
      groupId: 'g',
      logger,
      now: () => new Date(0),
      enabled: () => opts.deadLetters ?? true,
    })(retrying(backoff, logger)(step)),
  );
  const count = async (outcome: string) =>
    (await metrics.records.get()).values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  return { run, sent, count };
}

test('a step that fails on an outage twice is retried until it succeeds, and counted processed once', async () => {
  let calls = 0;
  const p = pipeline(async () => {
    calls++;
    if (calls < 3) throw retriable();
    return 'processed';
  });
  expect(await p.run(record())).toBe('processed');
  expect(calls).toBe(3);
  expect(p.sent).toEqual([]);
  expect(await p.count('processed')).toBe(1);
});

test('a permanent failure goes to the DLQ at once with its reason', async () => {
  let calls = 0;
  const p = pipeline(async () => {
    calls++;
    throw permanent();
  });
  expect(await p.run(record())).toBe('dead-lettered');
  expect(calls).toBe(1);
  expect(p.sent).toEqual([{ topic: 't.dlq', reason: 'the rules refuse it' }]);
  expect(await p.count('dead-lettered')).toBe(1);
});

test('an unknown failure is tried maxUnknownAttempts times, then dead-lettered saying how often', async () => {
  let calls = 0;
  const p = pipeline(async () => {
    calls++;
    throw new Error('who knows');
  });
  expect(await p.run(record())).toBe('dead-lettered');
  expect(calls).toBe(3);
  expect(p.sent[0]?.reason).toBe('who knows (after 3 attempts)');
});

test('with dead letters off (a rebuild) a poison record is skipped, nothing written', async () => {
  const p = pipeline(
    async () => {
      throw permanent();
    },
    { deadLetters: false },
  );
  expect(await p.run(record())).toBe('skipped');
  expect(p.sent).toEqual([]);
  expect(await p.count('skipped')).toBe(1);
});

test('an outage while the consumer stops ends in "stopped": not done, not dead-lettered, not counted', async () => {
  const stop = new AbortController();
  let calls = 0;
  const p = pipeline(
    async () => {
      calls++;
      stop.abort();
      throw retriable();
    },
    { stop },
  );
  expect(await p.run(record())).toBe('stopped');
  expect(calls).toBe(1);
  expect(p.sent).toEqual([]);
  expect(await p.count('processed')).toBe(0);
});

test('a partition that went to another member stops the retries', async () => {
  let active = true;
  const p = pipeline(async () => {
    active = false;
    throw retriable();
  });
  expect(await p.run(record(() => active))).toBe('stopped');
});

test('the retry step alone reports what it gave up on, with the attempts', async () => {
  const backoff = new Backoff(
    { initialMs: 1, maxMs: 1, maxUnknownAttempts: 2 },
    'g',
    consumerMetrics(new Registry()),
    new AbortController().signal,
  );
  const failing: RecordStep = async () => {
    throw new Error('x');
  };
  const err = await retrying(backoff, logger)(failing)(record()).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GaveUpError);
  expect(err).toMatchObject({ attempts: 2 });
});
