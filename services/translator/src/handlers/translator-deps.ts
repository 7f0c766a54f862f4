// What the translator's handlers and its sweep work with.
import type { MongoClient } from 'mongodb';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import type { TranslatorPolicy } from '../domain/decisions';
import type { DigestWindowStore } from '../adapters/digest-window-store';
import type { SuppressionStore } from '@mailfleet/suppression';
import type { TranslatorStore } from '../adapters/translator-store';
import type { MailTopics } from './mail-events';
import type { TranslatorMetrics } from './translator-metrics';

export interface TranslatorDeps {
  readonly client: MongoClient;
  readonly store: TranslatorStore;
  readonly digestWindows: DigestWindowStore;
  readonly suppressions: SuppressionStore;
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
  /** Told when a digest window opens, so the closer wakes in time for it (digest-closer.ts). */
  onDigestOpened?: (closesAt: number) => void;
  /** Test-only fault injection: die inside the transaction closing a digest window, before it commits. */
  readonly crashClosingDigest?: boolean;
}

export const OUTCOME = { request: 'requested', suppress: 'suppressed', reject: 'rejected' } as const;
