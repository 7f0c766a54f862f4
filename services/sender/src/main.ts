// The sender service. Its behaviour arrives with its own issue; until then the process runs
// the service shell (config validation, logs, /healthz, /readyz, /metrics) so the fleet can be deployed.
import { baseServiceEnvSchema, loadConfigOrExit } from '@mailfleet/config';
import { startServiceShell } from '@mailfleet/observability';

const config = loadConfigOrExit('sender', baseServiceEnvSchema);
void startServiceShell({
  service: 'sender',
  logLevel: config.LOG_LEVEL,
  opsPort: config.OPS_PORT,
  readiness: {},
});
