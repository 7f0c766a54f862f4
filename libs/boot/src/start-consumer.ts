// A service's consumer as part of its life: ready while it consumes, stopped on shutdown (what it
// finished is committed), its lag exported, and the process ended when it crashed for good.
import type { Admin } from 'kafkajs';
import { registerLagGauge, type ConsumerRunner } from '@mailfleet/kafka';
import type { BootEnv, ServiceBoot } from './boot-service';

export interface ConsumerLag {
  readonly admin: Admin;
  readonly group: string;
  readonly topics: readonly string[];
}

/** Starts `runner` as the service's consumer (readiness check 'consumer'). */
export async function startConsumer<C extends BootEnv>(
  boot: ServiceBoot<C>,
  runner: ConsumerRunner,
  lag: ConsumerLag,
): Promise<void> {
  await runner.start();
  let consuming = true;
  boot.onShutdown(async () => {
    consuming = false;
    await runner.stop();
  });
  boot.ready('consumer', () => consuming);
  registerLagGauge(boot.metrics, lag.admin, lag.group, lag.topics);
  boot.exitOn(runner.crashed, 'consumer');
}
