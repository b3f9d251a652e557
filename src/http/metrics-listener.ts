import http from 'node:http';
import { once } from 'node:events';

export type MetricsListener = { port: number; url: string; close(): Promise<void> };

/** What the listener serves: a prom-client Registry, or the cluster primary's aggregate of its workers'. */
export type MetricsSource = { metrics(): Promise<string>; contentType: string };

/**
 * `/metrics` (Prometheus text format) on a listener of its own, `METRICS_HOST:METRICS_PORT`
 * (loopback by default), never on the public port: per-owner counters tell who the tenants are
 * and how busy they are. Anything else it is asked answers 404.
 */
export async function startMetricsListener(
  registry: MetricsSource,
  where: { host: string; port: number },
): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.listen(where.port, where.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : where.port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    port,
    url: `http://${host}:${port}/metrics`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
