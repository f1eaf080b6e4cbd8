import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { ApiDeps } from './deps';
import { processMetrics } from './ops/metrics';

export interface RunningApi {
  server: Server;
  url: string;
  /** Stops taking connections and waits for open requests (up to the shutdown deadline). */
  stop(): Promise<void>;
}

/** Listens on HOST:PORT (PORT 0 picks a free port). */
export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  const app = createApp(deps, { processMetrics: processMetrics() });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(deps.config.http.port, deps.config.http.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  server.requestTimeout = 0; // uploads of several GB must not be cut off by Node's default 5 minutes
  server.headersTimeout = 60_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${deps.config.http.host === '0.0.0.0' ? 'localhost' : deps.config.http.host}:${port}`;
  deps.logger.info({ url }, 'API listening');
  return {
    server,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), deps.config.shutdownDeadlineMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
