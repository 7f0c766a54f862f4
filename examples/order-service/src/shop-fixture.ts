// Wires the example shop to a database, the outbox and the registry: used by its CLI, the tests, the
// demo and the benchmarks.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient, type Db } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { CUSTOMERS_EVENTS, EventCodec, ORDERS_EVENTS, type TopicDefinition } from '@mailfleet/contracts';
import { Outbox, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import { ShopService } from './shop-service';

export interface ShopFixture {
  readonly client: MongoClient;
  readonly db: Db;
  readonly codec: EventCodec;
  readonly outbox: Outbox;
  readonly shop: ShopService;
  close(): Promise<void>;
}

/** Collections exist before any transaction writes to them (not every server creates them inside one). */
export async function prepareShopDatabase(db: Db): Promise<void> {
  await ensureOutboxIndexes(db, collectionsFor(), 7 * 24 * 3600);
  for (const name of ['customers', 'orders']) {
    await db.createCollection(name).catch((err: { codeName?: string }) => {
      if (err.codeName !== 'NamespaceExists') throw err;
    });
  }
}

export async function createShopFixture(options: {
  mongoUrl: string;
  registryUrl: string;
  dbName: string;
  ordersTopic?: TopicDefinition;
  customersTopic?: TopicDefinition;
}): Promise<ShopFixture> {
  const ordersTopic = options.ordersTopic ?? ORDERS_EVENTS;
  const customersTopic = options.customersTopic ?? CUSTOMERS_EVENTS;
  const client = new MongoClient(options.mongoUrl, { appName: 'example-order-service' });
  await client.connect();
  const db = client.db(options.dbName);
  await prepareShopDatabase(db);
  const codec = new EventCodec(new SchemaRegistry({ host: options.registryUrl }), [
    ordersTopic,
    customersTopic,
  ]);
  await codec.register();
  const outbox = new Outbox(db, codec);
  const shop = new ShopService({
    client,
    db,
    outbox,
    newId: uuidv7,
    now: () => new Date(),
    ordersTopic,
    customersTopic,
  });
  return { client, db, codec, outbox, shop, close: () => client.close() };
}
