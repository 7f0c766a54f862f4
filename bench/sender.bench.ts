// npm run bench -- sender
// Send rate through the whole sender (consume MailRequested, record the request, claim, render, send over
// the pooled SMTP transport, record MailSent through the outbox) versus raw nodemailer with the same pool
// size sending the same rendered mail into the same SMTP sink, in the same run.
import nodemailer from 'nodemailer';
import { stackEndpoints } from '@mailfleet/config';
import { sinkMessages, waitFor } from '@mailfleet/testing';
import { TemplateRenderer } from '../services/sender/src/adapters/template-renderer';
import { createSenderFixture } from '../services/sender/test/sender-test-fixture';
import { describeMachine } from './machine';
import { writeSection } from './results-file';

const MAILS = Number(process.env['BENCH_MAILS'] ?? 600);
const POOL = 5;

async function sinkCount(to: string): Promise<number> {
  return (await sinkMessages({ to })).length;
}

async function main() {
  const f = await createSenderFixture(6);
  const { smtp } = stackEndpoints();
  const requests = Array.from({ length: MAILS }, (_, i) => f.request(`bench-${i}`));
  const runTag = requests[0]!.recipient.email.split('-bench-')[0] as string;

  // Raw baseline: nodemailer, pooled like the sender, the same rendered mail, POOL sends in flight.
  const renderer = new TemplateRenderer();
  const sample = requests[0]!;
  const rendered = renderer.render(
    sample.templateId,
    sample.templateVersion,
    sample.locale,
    JSON.parse(sample.templateData) as Record<string, unknown>,
  );
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    pool: true,
    maxConnections: POOL,
    maxMessages: 100,
  });
  const rawTag = `${runTag}-raw`;
  console.log(`raw nodemailer: ${MAILS} mails`);
  const rawStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      while (next < MAILS) {
        const i = next++;
        await transport.sendMail({
          from: 'bench <bench@mailfleet.local>',
          to: `${rawTag}-${i}@example.test`,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          messageId: `<raw-${i}@${f.domain}>`,
        });
      }
    }),
  );
  const rawSeconds = (performance.now() - rawStart) / 1000;
  transport.close();

  // The sender, started and ready before the requests are published; timed from publish to the last
  // mail in the sink, and to the last MailSent recorded.
  console.log(`sender: ${MAILS} mails`);
  const sender = await f.startSender({
    SENDER_RATE_PER_SECOND: '100000',
    SENDER_CONCURRENCY: String(POOL),
    SMTP_POOL_MAX_CONNECTIONS: String(POOL),
    LOG_LEVEL: 'warn',
  });
  await waitFor('the sender to be ready', async () => {
    const res = await fetch(`${f.opsUrl(sender)}/readyz`).catch(() => undefined);
    return res?.ok ? true : undefined;
  });
  const start = performance.now();
  await f.publish(requests);
  let inSinkSeconds = 0;
  await waitFor(
    'every mail in the sink',
    async () => {
      if ((await sinkCount(`${runTag}-bench-`)) < MAILS) return undefined;
      inSinkSeconds = (performance.now() - start) / 1000;
      return true;
    },
    600_000,
  );
  await waitFor(
    'every MailSent recorded',
    async () =>
      (await f.db.collection('sender_mails').countDocuments({ status: 'sent' })) >= MAILS ? true : undefined,
    600_000,
  );
  const recordedSeconds = (performance.now() - start) / 1000;
  await sender.stop();
  await f.close();

  const rawRate = MAILS / rawSeconds;
  const senderRate = MAILS / inSinkSeconds;
  const section = `## Sender

\`npm run bench -- sender\` — ${new Date().toISOString().slice(0, 10)}, ${describeMachine()}; Kafka 4.1.1 (one broker), SecantusDB 0.7.0b3, the dev SMTP sink.

| measure | value |
| --- | --- |
| mails | ${MAILS} (order-confirmation, en, ${Buffer.byteLength(rendered.html) + Buffer.byteLength(rendered.text)} bytes of body), SMTP pool of ${POOL} |
| raw nodemailer, pooled, ${POOL} in flight, pre-rendered | ${rawRate.toFixed(0)} mails/s |
| whole sender, publish to last mail in the sink | ${senderRate.toFixed(0)} mails/s |
| **sender / raw** | **${(senderRate / rawRate).toFixed(2)}** |
| publish to last MailSent state recorded | ${recordedSeconds.toFixed(1)} s (${(MAILS / recordedSeconds).toFixed(0)} mails/s) |

Per mail the sender does two MongoDB transactions (record the request; record the outcome with its
outbox event) and one claim, so on the local stand-in MongoDB server it is bound by
those round trips, not by SMTP; the rate limit was lifted for this run (default 20/s).
`;
  writeSection('sender', section);
  console.log(section);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
