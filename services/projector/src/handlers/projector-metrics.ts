// The projector's own metrics, next to the consumer lag the pipeline-health collector reports.
import { Counter, Gauge, type Registry } from 'prom-client';

export function createProjectorMetrics(registry: Registry) {
  return {
    records: new Counter({
      name: 'projector_records_total',
      help: 'Records applied to a projection version (dead letters: mailfleet_consumer_records_total)',
      labelNames: ['version', 'outcome'],
      registers: [registry],
    }),
    checkpointTimestamp: new Gauge({
      name: 'projector_checkpoint_record_timestamp_seconds',
      help: 'Kafka timestamp of the last record applied per partition: how fresh the projections are',
      labelNames: ['version', 'topic', 'partition'],
      registers: [registry],
    }),
    checkpointGaps: new Counter({
      name: 'projector_checkpoint_below_log_start_total',
      help: 'Times a checkpoint was older than the log start: records deleted by retention were never projected',
      labelNames: ['version', 'topic', 'partition'],
      registers: [registry],
    }),
    activeVersion: new Gauge({
      name: 'projector_active_version',
      help: 'The projection version readers are served from',
      registers: [registry],
    }),
    rebuildLag: new Gauge({
      name: 'projector_rebuild_lag_records',
      help: 'Records a rebuild still has to apply before readers can switch to it',
      registers: [registry],
    }),
  };
}

export type ProjectorMetrics = ReturnType<typeof createProjectorMetrics>;
