import { FaultPlan, faultRuleSchema } from './fault-plan';

const rule = (input: object) => faultRuleSchema.parse(input);

describe('FaultPlan', () => {
  test('given no rules, every delivery goes through', () => {
    expect(new FaultPlan().take(['a@x.test'])).toEqual({ kind: 'none' });
  });

  test('given a rule armed twice, it fires twice and is then used up', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: '4xx', times: 2 }));
    expect([plan.take(['a@x']), plan.take(['a@x']), plan.take(['a@x'])].map((d) => d.kind)).toEqual([
      '4xx',
      '4xx',
      'none',
    ]);
  });

  test('given a recipient filter, only matching deliveries use the rule up', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: '5xx', recipient: 'victim' }));
    expect(plan.take(['other@x']).kind).toBe('none');
    expect(plan.take(['victim@x']).kind).toBe('5xx');
    expect(plan.list()).toEqual([]);
  });

  test('given a slow rule, the decision carries its delay', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: 'slow', delayMs: 250 }));
    expect(plan.take(['a@x'])).toEqual({ kind: 'slow', delayMs: 250 });
  });

  test('an unknown fault kind is refused with the field named', () => {
    const parsed = faultRuleSchema.safeParse({ kind: 'explode' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['kind']);
  });
});
