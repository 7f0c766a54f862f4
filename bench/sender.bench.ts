// npm run bench -- sender
// Send rate through the whole sender (consume MailRequested, record the request, claim, render, send over
// the pooled SMTP transport, record MailSent through the outbox) versus raw nodemailer with the same pool
// size sending the same rendered mail into the same SMTP sink, in the same run. Three runs, the median.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { stackEndpoints } from '@mailfleet/config';
import { waitFor } from '@mailfleet/testing';
import { TemplateRenderer } from '../services/sender/src/adapters/template-renderer';
import { createSenderFixture } from '../services/sender/test/sender-test-fixture';
import { describeMachine, describeServers, median } from './machine';
import { writeSection } from './results-file';

const MAILS = Number(process.env['BENCH_MAILS'] ?? 600);
const POOL = 5;
/**
 * Attempts in flight: an attempt keeps its slot until its outcome is recorded (so that a kill -9 leaves
 * at most this many accepted but unrecorded), so twice the pool keeps the pool busy while the previous
 * mails are being recorded. The raw floor has POOL sends in flight, the most its pool can carry.
 */
const IN_FLIGHT = Number(process.env['BENCH_SENDER_CONCURRENCY'] ?? 2 * POOL);

const RUNS = 3;
const repoRoot = path.resolve(__dirname, '..');
/**
 * The sink's own record of what it received: counted from disk, so the probe loads no measured server.
 * Matched on the envelope's recipient (a body may name another mail's id).
 */
const sinkFile = path.resolve(
  repoRoot,
  process.env['MAILFLEET_STACK_DIR'] ?? '.stack',
  'smtp',
  'messages.jsonl',
);

function sinkCount(tag: string): number {
  if (!existsSync(sinkFile)) return 0;
  return readFileSync(sinkFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(tag)).length;
}

interface SenderRun {
  readonly rawRate: number;
  readonly senderRate: number;
  readonly recordedRate: number;
  readonly bodyBytes: number;
}

/** One run on fresh topics and a fresh database: raw nodemailer first, then the whole sender. */
async function senderRun(run: number): Promise<SenderRun & { servers: string }> {
  const f = await createSenderFixture(6);
  const { smtp } = stackEndpoints();
  const requests = Array.from({ length: MAILS }, (_, i) => f.request(`bench-${i}`));
  const runTag = requests[0]!.recipient.email.split('-bench-')[0] as string;
  const servers = await describeServers(repoRoot, f.db);

  // Raw floor: nodemailer, pooled like the sender, the same rendered mail, POOL sends in flight.
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
  console.log(`run ${run + 1}/${RUNS}: raw nodemailer, ${MAILS} mails`);
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

  // The sender, started and ready before the requests are published (start-up outside the timer);
  // timed from publish to the last mail in the sink, and to the last MailSent recorded.
  console.log(`run ${run + 1}/${RUNS}: sender, ${MAILS} mails`);
  const sender = await f.startSender({
    SENDER_RATE_PER_SECOND: '100000',
    SENDER_CONCURRENCY: String(IN_FLIGHT),
    SMTP_POOL_MAX_CONNECTIONS: String(POOL),
    LOG_LEVEL: 'warn',
  });
  try {
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
        if (sinkCount(`"rcptTo":["${runTag}-bench-`) < MAILS) return undefined;
        inSinkSeconds = (performance.now() - start) / 1000;
        return true;
      },
      600_000,
    );
    await waitFor(
      'every MailSent recorded',
      async () =>
        (await f.db.collection('sender_mails').countDocuments({ status: 'sent' })) >= MAILS
          ? true
          : undefined,
      600_000,
    );
    const recordedSeconds = (performance.now() - start) / 1000;
    return {
      rawRate: MAILS / rawSeconds,
      senderRate: MAILS / inSinkSeconds,
      recordedRate: MAILS / recordedSeconds,
      bodyBytes: Buffer.byteLength(rendered.html) + Buffer.byteLength(rendered.text),
      servers,
    };
  } finally {
    await sender.stop();
    await f.close();
  }
}

async function main() {
  const runs: (SenderRun & { servers: string })[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await senderRun(run));
  const list = (f: (r: SenderRun) => number, digits = 0) => runs.map((r) => f(r).toFixed(digits)).join(', ');
  const section = `## Sender

\`npm run bench -- sender\` — ${new Date().toISOString().slice(0, 10)}, ${describeMachine()}; ${runs[0]?.servers ?? ''}, the dev SMTP sink.

| measure | value |
| --- | --- |
| mails per run | ${MAILS} (order-confirmation, en, ${runs[0]?.bodyBytes ?? 0} bytes of body), SMTP pool of ${POOL} connections; ${RUNS} runs, each on fresh topics and a fresh database |
| raw floor: nodemailer, pooled, ${POOL} in flight, pre-rendered | ${list((r) => r.rawRate)} mails/s |
| whole sender (\`SENDER_CONCURRENCY=${IN_FLIGHT}\`: attempts until recorded), publish to last mail in the sink (counted from the sink's file) | ${list((r) => r.senderRate)} mails/s |
| **sender / raw floor** (runs; median) | ${list((r) => r.senderRate / r.rawRate, 2)}; **${median(runs.map((r) => r.senderRate / r.rawRate)).toFixed(2)}** |
| publish to last MailSent state recorded | ${list((r) => r.recordedRate)} mails/s |

The whole sender consumes MailRequested, records the requests, claims, renders, sends over the pooled
SMTP transport and records MailSent through the outbox; the rate limit was lifted for this run (default
20/s). On the local stand-in MongoDB server it is bound by those round trips, not by SMTP.
`;
  writeSection('sender', section);
  console.log(section);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
