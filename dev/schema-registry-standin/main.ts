// Entry point of the dev/test schema registry stand-in; see README.md beside this file.
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';
import { createRegistryApi } from './registry-api';
import { RegistryState } from './registry-state';

const env = loadStackEnv();
const state = new RegistryState(path.resolve(env.MAILFLEET_STACK_DIR, 'registry', 'registry.json'));
const server = createRegistryApi(state);
server.listen(env.MAILFLEET_REGISTRY_PORT, '127.0.0.1', () => {
  console.log(`schema-registry-standin: listening on 127.0.0.1:${env.MAILFLEET_REGISTRY_PORT}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
