// Runs the workers the projection meta asks for: the active version, and a rebuild when one is
// requested. When the rebuild has caught up it switches readers over (one write) and the old version's
// worker stops; its collections are dropped after a grace period, so reads already under way finish.
import type { Admin, Kafka } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import type { Registry } from 'prom-client';
import type { EventCodec, TopicDefinition } from '@mailfleet/contracts';
import type { Logger } from '@mailfleet/logger';
import type { ProjectionMetaStore } from '../adapters/projection-meta';
import { projectionLag } from '../adapters/projection-lag';
import { ProjectionStore } from '../adapters/projection-store';
import { ProjectionWorker } from './projection-worker';
import type { ProjectorMetrics } from './projector-metrics';

export interface ControllerOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly codec: EventCodec;
  readonly client: MongoClient;
  readonly db: Db;
  readonly meta: ProjectionMetaStore;
  readonly groupPrefix: string;
  readonly topics: readonly TopicDefinition[];
  readonly chunkSize: number;
  readonly fetch?: { readonly minBytes: number; readonly maxWaitTimeInMs: number };
  readonly switchMaxLag: number;
  readonly dropGraceMs: number;
  readonly logger: Logger;
  readonly metrics: ProjectorMetrics;
  /** Where the consumer runner of each version registers its metrics. */
  readonly registry: Registry;
}

/** The consumer group of one projection version. */
export const groupOf = (prefix: string, version: number): string => `${prefix}-v${version}`;

export class ProjectionController {
  private readonly workers = new Map<number, ProjectionWorker>();
  private active = 0;
  /** Resolves when a worker crashed for good. */
  readonly crashed: Promise<unknown>;
  private crash: (err: unknown) => void = () => undefined;

  constructor(private readonly o: ControllerOptions) {
    this.crashed = new Promise((resolve) => (this.crash = resolve));
  }

  get activeVersion(): number {
    return this.active;
  }

  /** Records the version still has to apply, over every partition of its topics. */
  lagOf(store: ProjectionStore): Promise<number> {
    return projectionLag(
      this.o.admin,
      store,
      this.o.topics.map((t) => t.name),
    );
  }

  /** One round: start and stop workers, switch a caught-up rebuild, drop retired versions. */
  async tick(now: number): Promise<void> {
    const meta = await this.o.meta.get();
    this.active = meta.active;
    this.o.metrics.activeVersion.set(meta.active);
    const wanted = [meta.active, ...(meta.building ? [meta.building.version] : [])];
    for (const version of wanted) if (!this.workers.has(version)) await this.startWorker(version);
    for (const [version, worker] of this.workers) {
      if (wanted.includes(version)) continue;
      await worker.stop();
      this.workers.delete(version);
      this.o.logger.info({ version }, 'projection version no longer served; its worker stopped');
    }
    if (meta.building) {
      const lag = await this.lagOf(this.store(meta.building.version));
      this.o.metrics.rebuildLag.set(lag);
      // A rebuild from a point in time holds only part of the history: readers move to it only when the
      // operator said so (`ops projection rebuild --from … --partial`, or `ops projection switch`).
      if (
        meta.building.autoSwitch !== false &&
        lag <= this.o.switchMaxLag &&
        (await this.o.meta.switchTo(meta.active, meta.building.version, now))
      ) {
        this.o.logger.info(
          { from: meta.active, to: meta.building.version, lag },
          'rebuild caught up; readers switched to the new version',
        );
        this.active = meta.building.version;
      }
    } else {
      this.o.metrics.rebuildLag.set(0);
    }
    if (meta.switchedAt !== null && now - meta.switchedAt >= this.o.dropGraceMs) {
      for (const version of meta.retired) {
        if (wanted.includes(version) || this.workers.has(version)) continue;
        await this.store(version).drop();
        await this.o.meta.dropped(version);
        this.o.logger.info({ version }, 'old projection version dropped');
      }
    }
  }

  async stop(): Promise<void> {
    for (const worker of this.workers.values()) await worker.stop();
    this.workers.clear();
  }

  private store(version: number): ProjectionStore {
    return new ProjectionStore(this.o.client, this.o.db, version);
  }

  private async startWorker(version: number): Promise<void> {
    const store = this.store(version);
    await store.ensureIndexes();
    const worker = new ProjectionWorker({
      kafka: this.o.kafka,
      admin: this.o.admin,
      codec: this.o.codec,
      store,
      groupId: groupOf(this.o.groupPrefix, version),
      topics: this.o.topics,
      chunkSize: this.o.chunkSize,
      ...(this.o.fetch && { fetch: this.o.fetch }),
      logger: this.o.logger.child({ version }),
      metrics: this.o.metrics,
      registry: this.o.registry,
      isActive: () => this.active === version,
    });
    await worker.start();
    void worker.crashed.catch((err: unknown) => this.crash(err));
    this.workers.set(version, worker);
    this.o.logger.info({ version, group: groupOf(this.o.groupPrefix, version) }, 'projection worker started');
  }
}
