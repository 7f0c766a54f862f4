// Real brokers take their time: a fresh cluster creates __consumer_offsets on the first group join, and
// rebalances take seconds. Integration tests get a minute unless they say otherwise.
jest.setTimeout(60_000);
