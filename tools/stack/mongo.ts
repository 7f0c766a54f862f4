// The local MongoDB-wire-compatible server (SecantusDB), chosen by the conformance suite; see
// docs/mongodb-compatibility.md. It advertises itself as a single-node replica set, so transactions and
// change streams work as against a real replica set.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { PrerequisiteError, requirePython } from './prerequisites';
import type { Component, StackContext } from './component';

const REQUIREMENTS = 'infra/mongo/requirements.txt';

function venvDir(ctx: StackContext): string {
  return path.resolve(ctx.repoRoot, ctx.env.MAILFLEET_TOOLS_DIR, 'mongo-venv');
}

export const mongo: Component = {
  name: 'mongo',
  description: 'MongoDB-compatible server (SecantusDB, single-node replica set)',
  ports: (ctx) => [ctx.env.MAILFLEET_MONGO_PORT],
  readyTimeoutMs: 60_000,

  async prepare(ctx) {
    const venv = venvDir(ctx);
    const requirements = readFileSync(path.join(ctx.repoRoot, REQUIREMENTS), 'utf8');
    const stamp = path.join(venv, 'installed-requirements.txt');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === requirements) return;
    const python = requirePython();
    ctx.say('installing the local MongoDB server into .stack/tools (first run only)');
    const run = (command: string, args: string[]) => {
      const result = spawnSync(command, args, { stdio: 'inherit' });
      if (result.status !== 0)
        throw new PrerequisiteError(`${command} ${args.join(' ')} failed (see above).`);
    };
    run(python, ['-m', 'venv', venv]);
    run(path.join(venv, 'bin', 'pip'), [
      'install',
      '-q',
      '--disable-pip-version-check',
      '-r',
      path.join(ctx.repoRoot, REQUIREMENTS),
    ]);
    writeFileSync(stamp, requirements);
  },

  launch(ctx) {
    return {
      // SecantusDB's own command line plus mongod's background transaction reaper (see the script).
      command: path.join(venvDir(ctx), 'bin', 'python'),
      args: [
        path.join(ctx.repoRoot, 'infra', 'mongo', 'secantusd_launcher.py'),
        '--host',
        '127.0.0.1',
        '--port',
        String(ctx.env.MAILFLEET_MONGO_PORT),
        '--storage-path',
        path.join(ctx.dir('mongo'), 'data'),
        // Keeps idle change-stream resume tokens inside the oplog window, as mongod does.
        '--noop-heartbeat-seconds',
        '10',
        '--cache-size',
        '256M',
        '--log-level',
        'WARNING',
      ],
      env: { MAILFLEET_MONGO_TXN_LIFETIME_SECONDS: String(ctx.env.MAILFLEET_MONGO_TXN_LIFETIME_SECONDS) },
    };
  },

  async isReady(ctx) {
    const client = new MongoClient(
      `mongodb://127.0.0.1:${ctx.env.MAILFLEET_MONGO_PORT}/?directConnection=true`,
      {
        serverSelectionTimeoutMS: 1_000,
        connectTimeoutMS: 1_000,
      },
    );
    try {
      const hello = await client.db('admin').command({ hello: 1 });
      return hello['isWritablePrimary'] === true;
    } catch {
      return false;
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
