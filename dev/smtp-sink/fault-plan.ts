// Faults the sink injects on demand, so tests can prove how the sender handles a sick SMTP server.
import { z } from 'zod';

export const faultRuleSchema = z.object({
  kind: z.enum(['4xx', '5xx', 'drop', 'slow']),
  /** How many matching deliveries the rule applies to before it is used up. */
  times: z.number().int().min(1).max(10_000).default(1),
  /** Only deliveries to a recipient containing this text are affected. */
  recipient: z.string().min(1).optional(),
  /** For `slow`: how long the sink waits before accepting the message. */
  delayMs: z.number().int().min(0).max(120_000).default(2_000),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: '4xx' | '5xx' | 'drop' }
  | { readonly kind: 'slow'; readonly delayMs: number };

/** An ordered list of fault rules; each delivery uses up the first rule that matches it. */
export class FaultPlan {
  private rules: { rule: FaultRule; left: number }[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times });
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly (FaultRule & { left: number })[] {
    return this.rules.map(({ rule, left }) => ({ ...rule, left }));
  }

  /** Decides the fate of a delivery to `recipients` and uses up the rule that decided it. */
  take(recipients: readonly string[]): FaultDecision {
    const index = this.rules.findIndex(
      ({ rule }) => rule.recipient === undefined || recipients.some((r) => r.includes(rule.recipient ?? '')),
    );
    const entry = this.rules[index];
    if (!entry) return { kind: 'none' };
    entry.left -= 1;
    if (entry.left <= 0) this.rules.splice(index, 1);
    return entry.rule.kind === 'slow'
      ? { kind: 'slow', delayMs: entry.rule.delayMs }
      : { kind: entry.rule.kind };
  }
}
