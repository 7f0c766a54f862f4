import { Counter, Gauge, type Registry } from 'prom-client';
import type { TranslatorStore } from '../adapters/translator-store';

export type TranslatorMetrics = ReturnType<typeof createTranslatorMetrics>;

export function createTranslatorMetrics(registry: Registry, store: TranslatorStore) {
  return {
    decisions: new Counter({
      name: 'translator_mails_total',
      help: 'Mails decided, by outcome (requested, suppressed, rejected, digested) and kind',
      labelNames: ['outcome', 'kind'],
      registers: [registry],
    }),
    parked: new Counter({
      name: 'translator_parked_total',
      help: 'Mails parked because their customer was not known yet',
      registers: [registry],
    }),
    sweepFailures: new Counter({
      name: 'translator_parked_sweep_failures_total',
      help: 'Customers whose parked mails could not be decided in a sweep (logged with the customer id)',
      registers: [registry],
    }),
    addressFacts: new Counter({
      name: 'translator_address_feedback_total',
      help: 'Delivery feedback read from mail.events, by what it says of the address (hard-bounce, soft-bounce, complaint; no-address: it names none)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    erasures: new Counter({
      name: 'translator_customers_erased_total',
      help: 'Customers whose personal data was removed on CustomerErased',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'translator_duplicate_events_total',
      help: 'Events skipped because their id was processed before (redelivery, replay)',
      registers: [registry],
    }),
    waiting: new Gauge({
      name: 'translator_customers_with_parked_mail',
      help: 'Customers with at least one mail waiting for them to become known',
      registers: [registry],
      async collect() {
        this.set(
          await store
            .customers()
            .countDocuments({ 'parked.0': { $exists: true } })
            .catch(() => Number.NaN),
        );
      },
    }),
  };
}
