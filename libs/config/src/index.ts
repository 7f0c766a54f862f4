export { ConfigError, configProblems, loadConfig, loadConfigOrExit, isSecretName } from './load-config';
export { loadStackEnv, stackEndpoints, stackEnvSchema, type StackEnv } from './stack-env';
export { baseServiceEnvSchema, consumerFetch, consumerFetchEnv, type BaseServiceEnv } from './service-env';
export { kafkaSecurity, kafkaSecurityEnvSchema, secretFrom, type KafkaSecurity } from './kafka-env';
export { checkRotatingKeys, keysIn } from './rotating-keys';
