// The per-template, per-day counters a mail fact adds to, and the request-to-send latency.
import type { MailView, TemplateDayIncrement } from '@mailfleet/read-models';
import type { MailFact } from './mail-view';
import type { ProjectedRecord } from './projected-record';

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function templateDaysFor(
  fact: MailFact,
  before: MailView,
  mail: MailView,
  record: ProjectedRecord,
): TemplateDayIncrement[] {
  const { eventType } = record.event;
  const days: TemplateDayIncrement[] = fact.counters.map((counts) => ({
    templateId: mail.templateId,
    day: dayOf(fact.at),
    counts,
  }));
  // Latency needs both ends; whichever arrives second adds it, on the day the mail was sent.
  const completesLatency =
    (eventType === 'MailSent' && before.requestedAt !== null) ||
    (eventType === 'MailRequested' && before.sentAt !== null);
  if (completesLatency && mail.sentAt !== null && mail.requestedAt !== null) {
    days.push({
      templateId: mail.templateId,
      day: dayOf(mail.sentAt),
      counts: {},
      // A mail held for quiet hours counts from the end of the hold: the wait was asked for.
      latencyMs: Math.max(0, mail.sentAt - Math.max(mail.requestedAt, mail.notBefore ?? 0)),
    });
  }
  return days;
}
