// What the translator's handlers and its sweep work with, and the small helpers they share.
import type { MongoClient } from 'mongodb';
import type { HandlerContext } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import type { TranslatorPolicy } from '../domain/decisions';
import type { TranslatorStore } from '../adapters/translator-store';
import type { MailTopics } from './mail-events';
import type { TranslatorMetrics } from './translator-metrics';

export interface TranslatorDeps {
  readonly client: MongoClient;
  readonly store: TranslatorStore;
  readonly outbox: Outbox;
  readonly policy: TranslatorPolicy;
  readonly topics: MailTopics;
  readonly metrics: TranslatorMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
  /** How far customers.events has been read (adapters/customers-watermark). */
  readonly customersWatermark: { current(): number; refresh(): Promise<number> };
  /** Told whenever a mail is parked, so the sweep looks again soon (it is slow while nothing is parked here). */
  onParked?: () => void;
}

/** The watermark for a fact at `factAt`: the known one when it has passed the fact, else a fresh look. */
export async function customersReadUntil(deps: TranslatorDeps, factAt: number): Promise<number> {
  const known = deps.customersWatermark.current();
  return known >= factAt ? known : deps.customersWatermark.refresh();
}

export const OUTCOME = { request: 'requested', suppress: 'suppressed', reject: 'rejected' } as const;

/** The fact's own time; a producer clock we cannot read counts as "now" (it only shortens a wait). */
export function occurredAtOf(ctx: HandlerContext, now: number): number {
  const at = Date.parse(ctx.envelope.occurredAt);
  return Number.isFinite(at) ? at : now;
}
