// The sink's faults are what the sender's retry tests stand on, so they are tested against a real
// nodemailer client over TCP.
import nodemailer from 'nodemailer';
import { stackEndpoints } from '@mailfleet/config';
import { armSinkFault, sinkMessages, startPrivateSink, uniqueName } from '@mailfleet/testing';

const send = (
  to: string,
  socketTimeout = 10_000,
  port = stackEndpoints().smtp.port,
  auth?: { user: string; pass: string },
) => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    socketTimeout,
    ...(auth ? { auth } : {}),
  });
  return transport
    .sendMail({ from: 'noreply@mailfleet.test', to, subject: 'fault test', text: 'hello' })
    .finally(() => transport.close());
};

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (err: { responseCode?: number; code?: string; response?: string; command?: string }) => err,
  );

test('a 4xx fault answers 451 as many times as armed, then accepts', async () => {
  const to = `${uniqueName('four')}@example.test`;
  await armSinkFault({ kind: '4xx', times: 2, recipient: to });
  expect((await errorOf(send(to))).responseCode).toBe(451);
  expect((await errorOf(send(to))).responseCode).toBe(451);
  await send(to);
  expect(await sinkMessages({ to })).toHaveLength(1);
});

test('a 5xx fault answers 550 and keeps nothing', async () => {
  const to = `${uniqueName('five')}@example.test`;
  await armSinkFault({ kind: '5xx', recipient: to });
  expect((await errorOf(send(to))).responseCode).toBe(550);
  expect(await sinkMessages({ to })).toHaveLength(0);
});

test('a drop fault closes the connection without a reply', async () => {
  const to = `${uniqueName('drop')}@example.test`;
  await armSinkFault({ kind: 'drop', recipient: to });
  const err = await errorOf(send(to));
  expect(err.responseCode).toBeUndefined();
  expect(err.code).toBe('ECONNECTION');
  expect(await sinkMessages({ to })).toHaveLength(0);
});

test('a slow fault delays the acceptance', async () => {
  const to = `${uniqueName('slow')}@example.test`;
  await armSinkFault({ kind: 'slow', delayMs: 1_500, recipient: to });
  const started = Date.now();
  await send(to);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  expect(await sinkMessages({ to })).toHaveLength(1);
});

test('a fault scoped to one recipient leaves other recipients alone', async () => {
  const victim = `${uniqueName('victim')}@example.test`;
  const bystander = `${uniqueName('bystander')}@example.test`;
  await armSinkFault({ kind: '5xx', recipient: victim });
  await send(bystander);
  expect(await sinkMessages({ to: bystander })).toHaveLength(1);
  expect((await errorOf(send(victim))).responseCode).toBe(550);
});

test('a reply rule for a duration answers that code with its enhanced status at RCPT, then lets mail through', async () => {
  const to = `${uniqueName('grey')}@example.test`;
  await armSinkFault({
    kind: 'reply',
    stage: 'rcpt',
    code: 451,
    enhanced: '4.7.1',
    durationMs: 1_500,
    recipient: to,
  });
  const first = await errorOf(send(to));
  expect(first).toMatchObject({ responseCode: 451, command: 'RCPT TO' });
  expect(first.response).toContain('4.7.1');
  expect((await errorOf(send(to))).responseCode).toBe(451);
  // The greylisting period (1.5 s) passes: a retry after it is accepted, as a greylisting MTA does.
  await new Promise((r) => setTimeout(r, 1_600));
  await send(to);
  expect(await sinkMessages({ to })).toHaveLength(1);
});

test('drop after the final dot keeps the message but never replies', async () => {
  const to = `${uniqueName('dot')}@example.test`;
  await armSinkFault({ kind: 'drop-after-dot', recipient: to });
  const err = await errorOf(send(to));
  expect(err.responseCode).toBeUndefined();
  expect(await sinkMessages({ to })).toHaveLength(1);
});

test('whole-server faults on a private sink: 421 at the greeting, auth required, 535 at AUTH', async () => {
  const sink = await startPrivateSink();
  try {
    const to = `${uniqueName('private')}@example.test`;
    await sink.arm({ kind: 'reply', stage: 'connect', code: 421, times: 1 });
    expect((await errorOf(send(to, 10_000, sink.smtpPort))).responseCode).toBe(421);
    await sink.arm({ kind: 'auth-required', times: 1 });
    expect((await errorOf(send(to, 10_000, sink.smtpPort))).responseCode).toBe(530);
    await sink.arm({ kind: 'reply', stage: 'auth', code: 535, enhanced: '5.7.8', times: 1 });
    expect((await errorOf(send(to, 10_000, sink.smtpPort, { user: 'u', pass: 'p' }))).responseCode).toBe(535);
    await send(to, 10_000, sink.smtpPort, { user: 'u', pass: 'p' });
    expect(await sink.messages({ to })).toHaveLength(1);
    expect(await sinkMessages({ to })).toHaveLength(0);
  } finally {
    await sink.stop();
  }
});
