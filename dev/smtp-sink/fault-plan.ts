// Faults the sink injects on demand, so tests can prove how the sender handles a sick SMTP server: a
// reply code at any stage of the dialogue, for a number of deliveries or for a while, a connection
// dropped after the final dot, authentication required or refused, and a slow accept. Two more play the
// recipient's side after the mail was accepted: a bounce (reported as an RFC 3464 DSN to the envelope
// sender and/or as a signed webhook) and a spam complaint (a signed webhook), so the feedback loop runs
// locally (feedback-reports.ts).
import { z } from 'zod';

/** Where in the SMTP dialogue a rule applies. `data` is the reply to the final dot. */
export const FAULT_STAGES = ['connect', 'auth', 'mail', 'rcpt', 'data'] as const;
export type FaultStage = (typeof FAULT_STAGES)[number];

export const faultRuleSchema = z
  .object({
    kind: z.enum([
      '4xx',
      '5xx',
      'drop',
      'slow',
      'reply',
      'drop-after-dot',
      'auth-required',
      'bounce',
      'complaint',
    ]),
    /** For `reply`: the stage whose command is answered with `code`. */
    stage: z.enum(FAULT_STAGES).default('data'),
    /** For `reply`: the reply code, e.g. 451, 421, 535, 550. */
    code: z.number().int().min(400).max(599).optional(),
    /** For `reply`: an RFC 3463 enhanced status code sent with it, e.g. 5.1.1. */
    enhanced: z
      .string()
      .regex(/^[45]\.\d{1,3}\.\d{1,3}$/)
      .optional(),
    text: z.string().min(1).max(200).optional(),
    /** How many matching deliveries (or commands) the rule applies to; 1 unless `durationMs` is given. */
    times: z.number().int().min(1).max(100_000).optional(),
    /** How long, from arming, the rule applies (as often as it matches, unless `times` ends it first). */
    durationMs: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600_000)
      .optional(),
    /** Only deliveries to a recipient containing this text (stages rcpt and data only). */
    recipient: z.string().min(1).optional(),
    /** For `bounce`: send a DSN (RFC 3464) to the mail's envelope sender through this SMTP server. */
    dsn: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).optional(),
    /** For `bounce` and `complaint`: POST mailfleet's signed webhook format here, signed with `key`. */
    webhook: z.object({ url: z.url(), key: z.string().min(32) }).optional(),
    /** For `bounce` and `complaint`: how long after accepting the mail the report goes out. */
    reportDelayMs: z.number().int().min(0).max(3_600_000).default(0),
    /** For `slow`: how long the sink waits before accepting the message. */
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(15 * 60_000)
      .default(2_000),
  })
  .superRefine((rule, ctx) => {
    if (rule.kind === 'bounce' || rule.kind === 'complaint') {
      if (rule.stage !== 'data')
        ctx.addIssue({
          code: 'custom',
          path: ['stage'],
          message: `a ${rule.kind} happens after the mail was accepted: use stage data`,
        });
      if (rule.dsn === undefined && rule.webhook === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['webhook'],
          message: `say where the ${rule.kind} is reported: dsn (an SMTP server) and/or webhook (url and key)`,
        });
      if (rule.kind === 'complaint' && rule.dsn !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['dsn'],
          message: 'a complaint is reported by webhook: a feedback loop report (RFC 5965) is not a DSN',
        });
    }
    if (rule.kind === 'reply' && rule.code === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: "a 'reply' rule needs the reply code to send",
      });
    if (
      rule.recipient !== undefined &&
      (rule.kind === 'auth-required' || !['rcpt', 'data'].includes(rule.stage))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['recipient'],
        message: 'recipients are known only at the rcpt and data stages; arm this rule without a recipient',
      });
  });
export type FaultRule = z.infer<typeof faultRuleSchema>;

export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'reply'; readonly code: number; readonly message: string }
  | { readonly kind: 'drop' | 'drop-after-dot' | 'auth-required' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Accept the mail, then report a bounce or a complaint as the rule says. */
  | { readonly kind: 'report'; readonly rule: FaultRule };

const DEFAULT_TEXT: Readonly<Record<number, string>> = {
  421: 'Service not available, closing transmission channel',
  450: 'Requested mail action not taken: mailbox unavailable',
  451: 'Requested action aborted: try again later',
  452: 'Requested action not taken: insufficient system storage',
  530: 'Authentication required',
  535: 'Authentication credentials invalid',
  550: 'Requested action not taken: mailbox unavailable',
  552: 'Requested mail action aborted: exceeded storage allocation',
  554: 'Transaction failed',
};

/** The stage a rule applies at: the old data-stage kinds keep their meaning. */
const stageOf = (rule: FaultRule): FaultStage | 'mail' =>
  rule.kind === 'auth-required' ? 'mail' : rule.stage;

function decisionOf(rule: FaultRule): FaultDecision {
  switch (rule.kind) {
    case '4xx':
      return { kind: 'reply', code: 451, message: rule.text ?? DEFAULT_TEXT[451]! };
    case '5xx':
      return { kind: 'reply', code: 550, message: rule.text ?? DEFAULT_TEXT[550]! };
    case 'reply': {
      const code = rule.code ?? 451;
      const text = rule.text ?? DEFAULT_TEXT[code] ?? 'Fault injected by the smtp sink';
      return { kind: 'reply', code, message: rule.enhanced ? `${rule.enhanced} ${text}` : text };
    }
    case 'slow':
      return { kind: 'slow', delayMs: rule.delayMs };
    case 'drop':
    case 'drop-after-dot':
    case 'auth-required':
      return { kind: rule.kind };
    case 'bounce':
    case 'complaint':
      return { kind: 'report', rule };
    default: {
      const unreachable: never = rule.kind;
      throw new Error(`unknown fault ${String(unreachable)}`);
    }
  }
}

interface Armed {
  readonly rule: FaultRule;
  left: number;
  readonly until: number;
}

/** An ordered list of fault rules; each command uses up the first rule that matches it. */
export class FaultPlan {
  private rules: Armed[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  add(rule: FaultRule): void {
    const times = rule.times ?? (rule.durationMs === undefined ? 1 : Infinity);
    const until = rule.durationMs === undefined ? Infinity : this.now() + rule.durationMs;
    this.rules.push({ rule, left: times, until });
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly (FaultRule & { left: number | null; until: string | null })[] {
    this.expire();
    return this.rules.map(({ rule, left, until }) => ({
      ...rule,
      // The signing key is not shown back.
      ...(rule.webhook ? { webhook: { ...rule.webhook, key: '(set)' } } : {}),
      left: Number.isFinite(left) ? left : null,
      until: Number.isFinite(until) ? new Date(until).toISOString() : null,
    }));
  }

  /** Decides the fate of a command at `stage` for `recipients` and uses up the rule that decided it. */
  take(stage: FaultStage, recipients: readonly string[] = [], authenticated = false): FaultDecision {
    this.expire();
    const index = this.rules.findIndex(
      ({ rule }) =>
        stageOf(rule) === stage &&
        !(rule.kind === 'auth-required' && authenticated) &&
        (rule.recipient === undefined || recipients.some((r) => r.includes(rule.recipient ?? ''))),
    );
    const entry = this.rules[index];
    if (!entry) return { kind: 'none' };
    entry.left -= 1;
    if (entry.left <= 0) this.rules.splice(index, 1);
    return decisionOf(entry.rule);
  }

  private expire(): void {
    const now = this.now();
    this.rules = this.rules.filter((r) => r.until > now);
  }
}
