import { Counter, Histogram, type Registry } from 'prom-client';

export interface ConsumerMetrics {
  readonly records: Counter<'group' | 'topic' | 'event_type' | 'outcome'>;
  readonly retries: Counter<'group' | 'topic'>;
  readonly handlerSeconds: Histogram<'group' | 'topic' | 'event_type'>;
}

const byRegistry = new WeakMap<Registry, ConsumerMetrics>();

/** The consumer metrics of a registry, created once however many runners share it. */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      records: new Counter({
        name: 'mailfleet_consumer_records_total',
        help: 'Records handled by outcome (processed, ignored, dead-lettered)',
        labelNames: ['group', 'topic', 'event_type', 'outcome'],
        registers: [registry],
      }),
      retries: new Counter({
        name: 'mailfleet_consumer_retries_total',
        help: 'Handler attempts that failed and were retried',
        labelNames: ['group', 'topic'],
        registers: [registry],
      }),
      handlerSeconds: new Histogram({
        name: 'mailfleet_consumer_handler_seconds',
        help: 'Time spent handling one record, successful attempts only',
        labelNames: ['group', 'topic', 'event_type'],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
