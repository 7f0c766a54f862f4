// How far the translator has read customers.events, as a time: the latest moment at which every record
// then published on every partition had been processed (by this process or another member of the group).
// A mail for a fact at T is decided from the replica only once this has passed T, so a translator catching
// up after downtime, or reading orders.events ahead of customers.events, never decides with a customer
// replica older than the fact (docs/translator.md, "Joining the two topics").
import type { Admin } from 'kafkajs';
import type { Logger } from '@mailfleet/logger';

export interface WatermarkOptions {
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  /** This process's own progress, which may be ahead of what the group has committed. */
  readonly processedNext: (topic: string, partition: number) => bigint | undefined;
  readonly now: () => number;
  readonly logger: Logger;
  /** Checks closer together than this share one look at Kafka. */
  readonly minIntervalMs?: number;
}

export class CustomersWatermark {
  private readonly caughtUpAt = new Map<number, number>();
  private value = 0;
  private inFlight: Promise<number> | undefined;
  private lastCheck = 0;

  constructor(private readonly o: WatermarkOptions) {}

  /** The watermark as of the last check (0 before the first). */
  current(): number {
    return this.value;
  }

  /**
   * The watermark after a fresh look at Kafka; callers close together share one look. Within
   * `minIntervalMs` of the last look its value is returned as it is: a mail that needs a newer one is
   * parked and decided by the sweep, rather than every fact of a catch-up waiting for Kafka.
   */
  async refresh(): Promise<number> {
    if (this.inFlight) return this.inFlight;
    if (this.o.now() - this.lastCheck < (this.o.minIntervalMs ?? 100)) return this.value;
    this.inFlight = this.check().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async check(): Promise<number> {
    const at = this.o.now();
    this.lastCheck = at;
    try {
      // The log ends first, then the progress: progress at or past an end read at `at` means that
      // everything published before `at` has been processed.
      const ends = await this.o.admin.fetchTopicOffsets(this.o.topic);
      const [committed] = await this.o.admin.fetchOffsets({
        groupId: this.o.groupId,
        topics: [this.o.topic],
      });
      const committedOf = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      for (const { partition, high, low } of ends) {
        const progress = [
          committedOf.get(partition),
          this.o.processedNext(this.o.topic, partition),
        ].reduce<bigint>((a, b) => (b !== undefined && b > a ? b : a), -1n);
        if (BigInt(high) === BigInt(low) || progress >= BigInt(high))
          this.caughtUpAt.set(partition, Math.max(this.caughtUpAt.get(partition) ?? 0, at));
      }
      this.value = Math.min(...ends.map((e) => this.caughtUpAt.get(e.partition) ?? 0));
    } catch (err) {
      this.o.logger.warn(
        { err, topic: this.o.topic },
        'could not read how far customers.events was processed',
      );
    }
    return this.value;
  }
}
