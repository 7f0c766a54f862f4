// The dashboard as a process for tests: over the read models in `dbName`, on free ports, with `token`;
// resolves once the page answers.
import { freePort, mongoUrl, startServiceProcess, waitFor, type ServiceProcess } from '@mailfleet/testing';

export interface DashboardProcess {
  readonly process: ServiceProcess;
  readonly base: string;
  /** A GET (or another method) with the token. */
  api(path: string, method?: string): Promise<Response>;
}

export async function startDashboardProcess(dbName: string, token: string): Promise<DashboardProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const process = startServiceProcess('dashboard', 'services/dashboard/src/main.ts', {
    MONGO_URL: mongoUrl(),
    MONGO_DB: dbName,
    DASHBOARD_PORT: String(port),
    OPS_PORT: String(await freePort()),
    DASHBOARD_TOKEN: token,
  });
  await waitFor('the dashboard to listen', async () =>
    (await fetch(`${base}/`).catch(() => null))?.ok ? true : undefined,
  );
  return {
    process,
    base,
    api: (path, method = 'GET') =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } }),
  };
}
