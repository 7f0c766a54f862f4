import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { baseServiceEnvSchema } from '@mailfleet/config';

/**
 * Everything the dashboard reads from the environment (README, "Configuration"). It reads MongoDB only:
 * no Kafka, no schema registry.
 */
export const dashboardEnvSchema = baseServiceEnvSchema
  .pick({ LOG_LEVEL: true, LOG_FORMAT: true, OPS_PORT: true, MONGO_URL: true })
  .extend({
    /** The page and the read-only API. */
    DASHBOARD_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
    /** The projector's database. */
    MONGO_DB: z.string().min(1).default('mailfleet_projections'),
    /** The read-only API token, or a file holding it (a mounted secret); one of the two is required. */
    DASHBOARD_TOKEN: z.string().optional(),
    DASHBOARD_TOKEN_FILE: z.string().optional(),
  })
  .transform((env, ctx) => {
    const token = env.DASHBOARD_TOKEN_FILE ? readToken(env.DASHBOARD_TOKEN_FILE, ctx) : env.DASHBOARD_TOKEN;
    if (token === undefined && env.DASHBOARD_TOKEN_FILE) return z.NEVER; // readToken said why
    if (token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DASHBOARD_TOKEN'],
        message:
          'set DASHBOARD_TOKEN or DASHBOARD_TOKEN_FILE (the token API clients and the page must present)',
      });
      return z.NEVER;
    }
    if (token.length < 16) {
      ctx.addIssue({
        code: 'custom',
        path: ['DASHBOARD_TOKEN'],
        message: 'the token must be at least 16 characters (e.g. `openssl rand -hex 24`)',
      });
      return z.NEVER;
    }
    const { DASHBOARD_TOKEN: _t, DASHBOARD_TOKEN_FILE: _f, ...rest } = env;
    return { ...rest, token };
  });
export type DashboardConfig = z.infer<typeof dashboardEnvSchema>;

function readToken(file: string, ctx: z.RefinementCtx): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      path: ['DASHBOARD_TOKEN_FILE'],
      message: `cannot read ${file}: ${(err as Error).message}`,
    });
    return undefined;
  }
}
