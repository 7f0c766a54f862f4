// `ops suppression list | add | remove`: the addresses the fleet no longer writes to. The translator and
// the sender each keep a list (they check it when they decide and right before they send); these commands
// read both and change both, audited. A removed address comes back if its bounce or complaint is replayed
// from mail.events (the lists are rebuilt from the feedback), so remove after the cause is fixed.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { isMailAddress } from '@mailfleet/contracts';
import { SuppressionStore, type AddressFact, type AddressSuppression } from '@mailfleet/suppression';
import { audit } from '../audit';
import { action } from '../ops-command';
import type { OpsContext } from '../ops-context';
import { OpsRefusal, UsageError, needReason } from '../ops-errors';

async function lists(ctx: OpsContext) {
  return {
    translator: new SuppressionStore(await ctx.db(ctx.env.TRANSLATOR_DB), 'translator_suppressions'),
    sender: new SuppressionStore(await ctx.db(ctx.env.SENDER_DB), 'sender_suppressions'),
  };
}

/**
 * The address as the audit keeps it: its SHA-256, not the address. The audit outlives a customer's erasure
 * (CustomerErased) and is never redacted; whoever asks "who suppressed this address?" hashes it to look.
 */
export const auditedAddress = (address: string): { addressSha256: string } => ({
  addressSha256: createHash('sha256').update(address).digest('hex'),
});

function addressArg(raw: string | undefined): string {
  const address = raw?.trim().toLowerCase() ?? '';
  if (!isMailAddress(address)) throw new UsageError(`${JSON.stringify(raw ?? '')} is not an e-mail address`);
  return address;
}

interface ListedAddress {
  readonly address: string;
  readonly lists: string[];
  readonly facts: AddressFact[];
}

function merged(byList: Record<string, AddressSuppression[]>): ListedAddress[] {
  const out = new Map<string, ListedAddress>();
  for (const [list, entries] of Object.entries(byList))
    for (const e of entries) {
      const entry = out.get(e.address) ?? { address: e.address, lists: [], facts: [] };
      entry.lists.push(list);
      for (const f of [...e.permanent, ...e.soft, ...e.unsubscribed])
        if (!entry.facts.some((g) => g.eventId === f.eventId)) entry.facts.push(f);
      out.set(e.address, entry);
    }
  return [...out.values()].sort((a, b) => a.address.localeCompare(b.address));
}

export function registerSuppression(program: Command): void {
  const suppression = program
    .command('suppression')
    .description('the addresses no mail goes to: list, add, remove (audited)');

  suppression
    .command('list')
    .description("the suppressed addresses, from the translator's and the sender's lists")
    .option('--address <address>', 'only this address')
    .action(
      action<{ address?: string }>(async (ctx, opts, out) => {
        const { translator, sender } = await lists(ctx);
        const filter = opts.address === undefined ? {} : { address: addressArg(opts.address) };
        const entries = merged({
          translator: await translator.list(filter),
          sender: await sender.list(filter),
        });
        out.result(entries, (all) =>
          all.length === 0
            ? 'no suppressed address'
            : all
                .map((e) =>
                  [
                    `${e.address} (lists: ${e.lists.join(', ')})`,
                    ...e.facts.map(
                      (f) =>
                        `  ${new Date(f.at).toISOString()} ${f.kind}${f.category ? ` from ${f.category}` : ''}${f.mailId ? ` mail ${f.mailId}` : ''}: ${f.detail}`,
                    ),
                  ].join('\n'),
                )
                .join('\n'),
        );
      }),
    );

  suppression
    .command('add <address>')
    .description('suppress an address for good (both lists)')
    .option('--reason <text>', 'why: shown in the MailSuppressed of every mail it stops, and audited')
    .action(
      action<{ reason?: string }>(async (ctx, opts, out, args) => {
        const address = addressArg(args[0]);
        const reason = needReason(opts.reason, 'suppression add');
        const { translator, sender } = await lists(ctx);
        const record = await audit(ctx, {
          command: 'suppression add',
          reason,
          args: auditedAddress(address),
          result: {},
        });
        const fact: AddressFact = {
          kind: 'manual',
          at: record.at.getTime(),
          mailId: '',
          eventId: record._id,
          detail: reason,
        };
        for (const list of [translator, sender]) await list.add(undefined, [{ address, fact }]);
        out.result(
          { address, added: true, auditId: record._id },
          (r) => `${r.address}: suppressed (audit ${r.auditId})`,
        );
      }),
    );

  suppression
    .command('remove <address>')
    .description('take an address off both lists (a replayed bounce, complaint or unsubscribe puts it back)')
    .option('--reason <text>', 'why: kept in the audit record')
    .action(
      action<{ reason?: string }>(async (ctx, opts, out, args) => {
        const address = addressArg(args[0]);
        const reason = needReason(opts.reason, 'suppression remove');
        const { translator, sender } = await lists(ctx);
        const removed = {
          translator: await translator.remove(address),
          sender: await sender.remove(address),
        };
        if (!removed.translator && !removed.sender) throw new OpsRefusal(`${address} is not on either list`);
        const record = await audit(ctx, {
          command: 'suppression remove',
          reason,
          args: auditedAddress(address),
          result: removed,
        });
        out.result(
          { address, removed, auditId: record._id },
          (r) =>
            `${r.address}: removed from ${Object.entries(r.removed)
              .filter(([, was]) => was)
              .map(([list]) => list)
              .join(' and ')} (audit ${r.auditId})`,
        );
      }),
    );
}
