/**
 * GET /metrics for processes without an HTTP server (crawler, analyzer). Bound to 127.0.0.1 only
 * and without credentials: whoever can reach it is on the machine already, and Prometheus (or a
 * node exporter's textfile/proxy) scrapes it from there. Port 0 in config means "no server".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE, renderMetrics } from './registry';

export interface MetricsServer {
  /** http://127.0.0.1:PORT (the port actually bound). */
  url: string;
  close(): Promise<void>;
}

/** Serves the process's metrics on 127.0.0.1:port (0 picks a free port: tests). */
export async function startMetricsServer(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    renderMetrics().then(
      (body) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The process's GET /metrics on 127.0.0.1:port, or null when port is 0 (disabled). A port already
 * taken (a second process on the machine with the same setting) costs the metrics, not the
 * service: logged, not thrown.
 */
export async function startMetricsServerIfEnabled(port: number, log: { warn(obj: object, msg: string): void }): Promise<MetricsServer | null> {
  if (port === 0) return null;
  try {
    return await startMetricsServer(port);
  } catch (err) {
    log.warn({ port, err: err instanceof Error ? err.message : String(err) }, 'metrics server not started');
    return null;
  }
}
