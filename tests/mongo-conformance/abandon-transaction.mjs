// Child process for the conformance suite: opens a transaction, writes one document inside it, reports
// "in-transaction" on stdout and kills itself with SIGKILL, so the transaction is left open on the server
// exactly as a crashed service leaves it. Usage: node abandon-transaction.mjs <mongoUrl> <db> <collection> <id>
import { MongoClient } from 'mongodb';

async function main() {
  const [url, dbName, collName, id] = process.argv.slice(2);
  const client = new MongoClient(url);
  await client.connect();
  const coll = client.db(dbName).collection(collName);
  const session = client.startSession();
  session.startTransaction();
  await coll.updateOne({ _id: id }, { $set: { writer: 'abandoned' } }, { session });
  process.stdout.write('in-transaction\n', () => process.kill(process.pid, 'SIGKILL'));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
