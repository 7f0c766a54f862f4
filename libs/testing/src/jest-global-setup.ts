// Runs once before the integration and conformance projects: fail fast, with a message a person can act
// on, when the stack the tests need is not there (npm test starts it; a bare jest run does not).
import { MongoClient } from 'mongodb';
import { stackEndpoints } from '@mailfleet/config';

export default async function globalSetup(): Promise<void> {
  const { mongoUrl } = stackEndpoints();
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    throw new Error(
      `MongoDB is not reachable at ${mongoUrl.replace(/\/\/[^@/]*@/, '//***@')}. ` +
        'Start the local stack with `npm run stack -- up`, or set MONGO_URL to a replica set.',
      { cause: err },
    );
  } finally {
    await client.close();
  }
}
