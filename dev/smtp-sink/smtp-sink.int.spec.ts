// The sink's faults are what the sender's retry tests stand on, so they are tested against a real
// nodemailer client over TCP.
import nodemailer from 'nodemailer';
import { stackEndpoints } from '@mailfleet/config';
import { armSinkFault, sinkMessages, uniqueName } from '@mailfleet/testing';

const send = (to: string, socketTimeout = 10_000) => {
  const { smtp } = stackEndpoints();
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    socketTimeout,
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
    (err: { responseCode?: number; code?: string }) => err,
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
