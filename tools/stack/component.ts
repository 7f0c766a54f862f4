import type { StackEnv } from '@mailfleet/config';

/** What every part of the local stack shares: its folders, ports and a way to talk to the person. */
export interface StackContext {
  readonly repoRoot: string;
  /** Absolute path of the stack folder; also the id that marks this stack's processes. */
  readonly stackDir: string;
  readonly env: StackEnv;
  /** The component's own folder below the stack folder (created on demand). */
  dir(component: string): string;
  say(message: string): void;
}

export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** One background process of the local stack. */
export interface Component {
  readonly name: string;
  readonly description: string;
  ports(ctx: StackContext): number[];
  readonly readyTimeoutMs: number;
  /** Installs, downloads or formats whatever the process needs; idempotent. */
  prepare(ctx: StackContext): Promise<void>;
  launch(ctx: StackContext): Launch;
  /** One readiness probe; false (not an exception) while the process is still starting. */
  isReady(ctx: StackContext): Promise<boolean>;
}
