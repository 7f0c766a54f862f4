// The stack's dev/test stand-ins written in this repo (see dev/*/README.md), run with tsx.
import path from 'node:path';
import type { Component, StackContext } from './component';

function tsxLaunch(ctx: StackContext, entry: string) {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ctx.repoRoot, entry)],
    env: { MAILFLEET_STACK_DIR: ctx.stackDir },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export const smtpSink: Component = {
  name: 'smtp',
  description: 'capturing SMTP sink with fault injection (dev/smtp-sink)',
  ports: (ctx) => [ctx.env.MAILFLEET_SMTP_PORT, ctx.env.MAILFLEET_SMTP_API_PORT],
  readyTimeoutMs: 30_000,
  prepare: async () => undefined,
  launch: (ctx) => tsxLaunch(ctx, 'dev/smtp-sink/main.ts'),
  isReady: (ctx) => answers(`http://127.0.0.1:${ctx.env.MAILFLEET_SMTP_API_PORT}/healthz`),
};

export const schemaRegistry: Component = {
  name: 'registry',
  description: 'Confluent-compatible schema registry stand-in (dev/schema-registry-standin)',
  ports: (ctx) => [ctx.env.MAILFLEET_REGISTRY_PORT],
  readyTimeoutMs: 30_000,
  prepare: async () => undefined,
  launch: (ctx) => tsxLaunch(ctx, 'dev/schema-registry-standin/main.ts'),
  isReady: (ctx) => answers(`http://127.0.0.1:${ctx.env.MAILFLEET_REGISTRY_PORT}/subjects`),
};
