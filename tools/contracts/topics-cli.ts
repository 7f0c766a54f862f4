// npm run topics -- apply|list : the fleet's topics and schemas, from the definitions in libs/contracts.
import { Command } from 'commander';
import { z } from 'zod';
import { TOPICS, dlqTopicOf } from '@mailfleet/contracts';
import { ConfigError, loadConfig, stackEndpoints } from '@mailfleet/config';
import { provisionContracts } from './provision';

const envSchema = z.object({
  TOPIC_PROFILE: z.enum(['local', 'production']).default('local'),
});

const program = new Command('topics').description(
  'Create or update the fleet topics and register the event schemas.',
);

program
  .command('apply')
  .description(
    'create missing topics (and DLQs), grow partitions, update configs, register schemas; idempotent',
  )
  .action(async () => {
    const env = loadConfig('topics', envSchema);
    const endpoints = stackEndpoints();
    const changes = await provisionContracts({
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.schemaRegistryUrl,
      profile: env.TOPIC_PROFILE,
    });
    for (const c of changes)
      console.log(`${c.topic.padEnd(24)} ${c.change}${c.detail ? ` (${c.detail})` : ''}`);
    console.log('schemas registered, each with its declared compatibility');
  });

program
  .command('list')
  .description('print the topic definitions')
  .action(() => {
    for (const t of TOPICS) {
      console.log(
        `${t.name} (key ${t.key}, ${t.partitions} partitions, retention ${t.retentionMs < 0 ? 'forever' : `${t.retentionMs / 86_400_000} days`}, dlq ${dlqTopicOf(t.name)})`,
      );
      for (const e of t.eventTypes) console.log(`  ${e}`);
    }
  });

program.parseAsync().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError ? err.message : `topics: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
