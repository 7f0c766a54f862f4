import {
  FAULT_KINDS,
  POISON_KINDS,
  SMTP_FAULTS,
  minimumWindowMs,
  parseFaultKinds,
  planFaults,
} from './fault-plan';

const base = {
  seed: 7,
  kinds: [...FAULT_KINDS],
  targets: ['translator#1', 'translator#2', 'sender#1'],
  sessionTimeoutMs: 30_000,
};

test('the same seed gives the same plan; another seed another one', () => {
  const windowMs = minimumWindowMs(base.kinds);
  expect(planFaults({ ...base, windowMs })).toEqual(planFaults({ ...base, windowMs }));
  expect(planFaults({ ...base, windowMs, seed: 8 })).not.toEqual(planFaults({ ...base, windowMs }));
});

test('every kind, every SMTP behaviour and every poison on both topics at least once, inside the window', () => {
  const windowMs = minimumWindowMs(base.kinds);
  const plan = planFaults({ ...base, windowMs });
  expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
  const smtp = plan.flatMap((f) => (f.kind === 'smtp' ? [f.fault] : []));
  expect(new Set(smtp)).toEqual(new Set(SMTP_FAULTS));
  const poison = plan.flatMap((f) => (f.kind === 'poison' ? [`${f.poison}/${f.topic}`] : []));
  expect(poison).toHaveLength(POISON_KINDS.length * 2);
  expect(new Set(poison).size).toBe(POISON_KINDS.length * 2);
  for (const f of plan) expect(f.atMs).toBeLessThan(windowMs * 0.8);
  expect(plan.map((f) => f.atMs)).toEqual([...plan.map((f) => f.atMs)].sort((a, b) => a - b));
});

test('outages never overlap, and a pause outlasts the consumer session timeout', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const plan = planFaults({ ...base, seed, windowMs: minimumWindowMs(base.kinds) });
    const outages = plan.flatMap((f) =>
      f.kind === 'broker' || f.kind === 'mongo' || f.kind === 'registry'
        ? [[f.atMs, f.atMs + f.durationMs]]
        : [],
    );
    expect(outages).toHaveLength(3);
    for (let i = 1; i < outages.length; i++)
      expect(outages[i]![0]).toBeGreaterThanOrEqual(outages[i - 1]![1]!);
    for (const f of plan) if (f.kind === 'pause') expect(f.durationMs).toBeGreaterThan(base.sessionTimeoutMs);
    for (const f of plan) if (f.kind === 'mongo') expect(f.durationMs).toBeGreaterThanOrEqual(20_000);
  }
});

test('fault lists are parsed with a message that names the valid kinds', () => {
  expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
  expect(parseFaultKinds('none')).toEqual([]);
  expect(parseFaultKinds('kill, smtp,kill')).toEqual(['kill', 'smtp']);
  expect(() => parseFaultKinds('kill,meteor')).toThrow(
    /unknown fault kind meteor; use all, none or a list of kill, pause/,
  );
});
