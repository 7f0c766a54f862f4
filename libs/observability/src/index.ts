export { createMetricsRegistry, startOpsServer, type ReadinessCheck } from './ops-server';
export { startServiceShell, type ServiceShell } from './service-shell';
export { countMongoCommands, mongoCommandMonitoring } from './mongo-commands';
