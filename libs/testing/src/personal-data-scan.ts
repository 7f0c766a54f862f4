// The acceptance scan of an erasure: every document of every collection of the given databases, read
// whole, searched for the personal values in any letter case — in strings, in field names, and in binary
// values (an outbox record's value is the Avro bytes that go to Kafka, where strings are plain UTF-8).
import { Binary, type MongoClient } from 'mongodb';

export interface Finding {
  readonly database: string;
  readonly collection: string;
  readonly id: string;
  readonly path: string;
}

function* matches(value: unknown, needles: readonly string[], path: string): Generator<string> {
  const hit = (text: string) => needles.some((n) => text.toLowerCase().includes(n.toLowerCase()));
  if (typeof value === 'string') {
    if (hit(value)) yield path;
  } else if (value instanceof Binary) {
    const bytes = Buffer.from(value.buffer);
    if (hit(bytes.toString('latin1')) || hit(bytes.toString('utf8'))) yield path;
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    if (hit(Buffer.from(value).toString('latin1'))) yield path;
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* matches(v, needles, `${path}[${i}]`);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      if (hit(k)) yield `${path}.${k} (name)`;
      yield* matches(v, needles, `${path}.${k}`);
    }
  }
}

/** Where the needles still are; empty when nowhere. */
export async function personalDataIn(
  mongo: MongoClient,
  databases: readonly string[],
  needles: readonly string[],
  skip: (collection: string) => boolean = () => false,
): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const database of databases) {
    const db = mongo.db(database);
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (skip(name)) continue;
      for await (const doc of db.collection(name).find({})) {
        for (const path of matches(doc, needles, ''))
          found.push({ database, collection: name, id: String(doc['_id']), path });
      }
    }
  }
  return found;
}
