// Executes a parsed API query against the read models. Not found is a 404 that says what was looked
// for and how fresh the data is, since "not projected yet" is the usual reason on a live pipeline.
import type { MailView } from '@mailfleet/read-models';
import type { ApiQuery } from './api-routes';
import { dayWindow, summarizeThroughput } from '../domain/throughput';
import type { DataAsOf, ReadModelReader } from '../adapters/read-model-reader';

export interface ApiAnswer {
  readonly status: 200 | 404;
  readonly body: Readonly<Record<string, unknown>>;
}

/** What a list shows of a mail; the whole document (with its timeline) is one request away. */
const summary = (m: MailView) => ({
  mailId: m.mailId,
  templateId: m.templateId,
  orderId: m.orderId,
  email: m.email,
  status: m.status,
  attempts: m.attempts,
  lastError: m.lastError,
  requestedAt: m.requestedAt,
  sentAt: m.sentAt,
  updatedAt: m.updatedAt,
  correlationId: m.correlationId,
});

export async function answer(query: ApiQuery, reader: ReadModelReader, now: Date): Promise<ApiAnswer> {
  const version = await reader.activeVersion();
  const dataAsOf = await reader.dataAsOf(version);
  const ok = (data: unknown): ApiAnswer => ({ status: 200, body: { data, dataAsOf } });
  const notFound = (what: string): ApiAnswer => ({
    status: 404,
    body: {
      error: `${what} is not in the projections (${freshness(dataAsOf)}); it may not be projected yet`,
      dataAsOf,
    },
  });
  switch (query.kind) {
    case 'search': {
      const q = query.q;
      if (q.includes('@')) {
        const recipient = await reader.recipient(version, q.toLowerCase());
        return ok({ query: q, mails: [], orders: [], recipients: recipient ? [recipient] : [] });
      }
      const [mail, order, ofOrder] = await Promise.all([
        reader.mail(version, q),
        reader.order(version, q),
        reader.mailsOfOrder(version, q),
      ]);
      const mails = [...(mail ? [mail] : []), ...ofOrder].map(summary);
      return ok({ query: q, mails, orders: order ? [order] : [], recipients: [] });
    }
    case 'mail': {
      const mail = await reader.mail(version, query.mailId);
      return mail ? ok(mail) : notFound(`mail ${query.mailId}`);
    }
    case 'order': {
      const [order, mails] = await Promise.all([
        reader.order(version, query.orderId),
        reader.mailsOfOrder(version, query.orderId),
      ]);
      if (!order && mails.length === 0) return notFound(`order ${query.orderId}`);
      return ok({ order, mails: mails.map(summary) });
    }
    case 'recipient': {
      const recipient = await reader.recipient(version, query.email);
      return recipient ? ok(recipient) : notFound(`recipient ${query.email}`);
    }
    case 'stats': {
      const window = dayWindow(now, query.days);
      return ok(summarizeThroughput(await reader.templateDays(version, window[0]!), window));
    }
    case 'failures':
      return ok((await reader.failures(version, query.limit)).map(summary));
    case 'deadLetters':
      // Read-only here: each comes with the ops command that shows it; redrive is an operator's call.
      return ok(
        (await reader.deadLetters(query.limit)).map((d) => ({
          ...d,
          id: d._id,
          show: `npm run ops -- dlq show ${d._id}`,
          redrive: `npm run ops -- dlq redrive --record ${d._id} --reason "..."`,
        })),
      );
    case 'pipeline':
      return ok(await reader.pipelineHealth());
    case 'meta':
      return ok({ version });
    default: {
      const unreachable: never = query;
      throw new Error(`unhandled query ${JSON.stringify(unreachable)}`);
    }
  }
}

function freshness(d: DataAsOf): string {
  return d.recordTime
    ? `version ${d.version}, data as of ${d.recordTime}`
    : `version ${d.version}, no records yet`;
}
