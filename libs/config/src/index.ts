export { ConfigError, loadConfig, isSecretName } from './load-config';
export { loadStackEnv, stackEndpoints, stackEnvSchema, type StackEnv } from './stack-env';
