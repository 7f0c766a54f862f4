// The order-to-mail translator. Its behaviour arrives with its own issue; until then the process runs
// the service shell (config validation, logs, /healthz, /readyz, /metrics) so the fleet can be deployed.
import { baseServiceEnvSchema, loadConfigOrExit } from '@mailfleet/config';
import { startServiceShell } from '@mailfleet/observability';

const config = loadConfigOrExit('translator', baseServiceEnvSchema);
void startServiceShell({
  service: 'translator',
  logLevel: config.LOG_LEVEL,
  opsPort: config.OPS_PORT,
  readiness: {},
});
