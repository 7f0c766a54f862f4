// npm run bench -- <name> [options] : runs one benchmark against the local stack (npm run stack -- up first).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES: Record<string, string> = {
  outbox: 'outbox-relay.bench.ts',
  sender: 'sender.bench.ts',
  pipeline: 'pipeline.bench.ts',
  projector: 'projector.bench.ts',
};
const name = process.argv[2];
const file = name ? BENCHES[name] : undefined;
if (!file) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}>`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(__dirname, file), ...process.argv.slice(3)],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
