// Entry point of the dev/test SMTP sink; see README.md beside this file.
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';
import { FaultPlan } from './fault-plan';
import { createHttpApi } from './http-api';
import { MessageStore } from './message-store';
import { createSmtpListener } from './smtp-listener';

const env = loadStackEnv();
const dataFile = path.resolve(env.MAILFLEET_STACK_DIR, 'smtp', 'messages.jsonl');
const store = new MessageStore(dataFile);
const faults = new FaultPlan();
const smtp = createSmtpListener(store, faults);
const api = createHttpApi(store, faults);

smtp.on('error', (err) => console.error('smtp-sink: SMTP error', err));
smtp.listen(env.MAILFLEET_SMTP_PORT, '127.0.0.1');
api.listen({ port: env.MAILFLEET_SMTP_API_PORT, host: '127.0.0.1' }).then(
  () =>
    console.log(
      `smtp-sink: SMTP on 127.0.0.1:${env.MAILFLEET_SMTP_PORT}, API on 127.0.0.1:${env.MAILFLEET_SMTP_API_PORT}`,
    ),
  (err: unknown) => {
    console.error('smtp-sink: could not listen:', err);
    process.exit(1);
  },
);

const stop = () => {
  void api.close();
  smtp.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
