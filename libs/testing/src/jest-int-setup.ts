// The integration tests' bound: every wait inside a test has its own (waitFor's timeout); this one
// catches what has none. Real brokers take their time (a fresh cluster creates __consumer_offsets on the
// first group join; rebalances take seconds), and a kill -9 can leave a transaction open for MongoDB's
// 60 s transaction lifetime, which tests after a kill allow for. Files that need longer say so and why.
jest.setTimeout(240_000);
