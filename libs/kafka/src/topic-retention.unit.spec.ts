import { retentionProblem } from './topic-retention';

const DAY = 86_400_000;
const check = (keptMs: number | null, topicRetentionMs: number) =>
  retentionProblem({
    setting: 'SENDER_FINISHED_RETENTION_DAYS',
    keptMs,
    topic: 'mail.requested',
    topicRetentionMs,
  });

test('records kept at least as long as the topic keeps them are enough; forever always is', () => {
  expect(check(120 * DAY, 90 * DAY)).toBeNull();
  expect(check(90 * DAY, 90 * DAY)).toBeNull();
  expect(check(null, -1)).toBeNull();
  expect(check(null, 90 * DAY)).toBeNull();
});

test('shorter than the topic, or finite for a topic kept forever, is refused with what to do', () => {
  expect(check(30 * DAY, 90 * DAY)).toBe(
    "SENDER_FINISHED_RETENTION_DAYS keeps records 30 days, shorter than mail.requested's retention (90 days): a replay from the earliest offset would act on records whose ids were forgotten. Keep them at least as long as the topic does.",
  );
  expect(check(120 * DAY, -1)).toMatch(
    /keeps its records forever.*Set SENDER_FINISHED_RETENTION_DAYS=forever/,
  );
});
