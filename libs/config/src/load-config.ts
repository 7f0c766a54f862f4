import type { z } from 'zod';

/** Thrown when the environment does not satisfy a config schema; lists every problem at once. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` (process.env by default) with a zod object schema, reporting all problems together. */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = env[String(issue.path[0])];
    const shown =
      value === undefined ? 'not set' : isSecretName(name) ? 'set (value hidden)' : JSON.stringify(value);
    return `${name}: ${issue.message} (currently ${shown})`;
  });
  throw new ConfigError(service, problems);
}

/** What loadConfig would refuse in `env`, one line per problem; empty when it is valid. */
export function configProblems<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): readonly string[] {
  try {
    loadConfig(service, schema, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/** True for variable names whose values must never be printed. */
export function isSecretName(name: string): boolean {
  return /PASS|SECRET|TOKEN|KEY|CREDENTIAL/i.test(name);
}

/** For a service's main: like loadConfig, but prints every problem and exits 2 instead of throwing. */
export function loadConfigOrExit<S extends z.ZodType>(service: string, schema: S): z.infer<S> {
  try {
    return loadConfig(service, schema);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}
