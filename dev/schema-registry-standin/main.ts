// Entry point of the dev/test schema registry stand-in; see README.md beside this file.
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';
import { createRegistryApi } from './registry-api';
import { RegistryState } from './registry-state';

const env = loadStackEnv();
const state = new RegistryState(path.resolve(env.MAILFLEET_STACK_DIR, 'registry', 'registry.json'));
const server = createRegistryApi(state);
server.listen({ port: env.MAILFLEET_REGISTRY_PORT, host: '127.0.0.1' }).then(
  () => console.log(`schema-registry-standin: listening on 127.0.0.1:${env.MAILFLEET_REGISTRY_PORT}`),
  (err: unknown) => {
    console.error('schema-registry-standin: could not listen:', err);
    process.exit(1);
  },
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
