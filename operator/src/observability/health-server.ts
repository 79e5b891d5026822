// The operator's one HTTP port: /metrics for Prometheus, /healthz and /readyz for the kubelet.
// It answers GET and HEAD only and never reads a request body. The checks are plain functions,
// so the caller decides what live and ready mean (informer running, leader election healthy).
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger';

/** true = ok; false or a string = not ok, the string being the reason. */
export type CheckResult = boolean | string;

export interface HealthChecks {
  live(): CheckResult;
  ready(): CheckResult;
}

export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface HealthServerOptions {
  port: number;
  /** listen address; undefined listens on every interface */
  host?: string;
  metrics: MetricsSource;
  checks: HealthChecks;
  logger: Logger;
}

export interface HealthServer {
  /** the bound port (the ephemeral one when asked for port 0) */
  port: number;
  /** Stops listening and drops every connection, keep-alive ones included. */
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const ALLOW = 'GET, HEAD';

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void => send(res, status, JSON.stringify(body), JSON_TYPE, extra);

/** A check's verdict; a check that throws counts as failed, with its message as the reason. */
function evaluate(check: () => CheckResult, what: string): { ok: true } | { ok: false; reason: string } {
  let result: CheckResult;
  try {
    result = check();
  } catch (err) {
    result = `${what} check failed: ${(err as Error).message}`;
  }
  if (result === true) return { ok: true };
  return { ok: false, reason: typeof result === 'string' && result !== '' ? result : `not ${what}` };
}

export function createHealthHandler(
  deps: Omit<HealthServerOptions, 'port' | 'host'>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { metrics, checks, logger } = deps;

  const probe = (res: ServerResponse, check: () => CheckResult, what: string, path: string): void => {
    const verdict = evaluate(check, what);
    if (verdict.ok) return sendJson(res, 200, { status: 'ok' });
    logger.debug('probe failed', { path, reason: verdict.reason });
    sendJson(res, 503, { status: 'unavailable', reason: verdict.reason });
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known) return sendJson(res, 404, { error: `no route ${path.slice(0, 200)}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { error: `${path} accepts ${ALLOW} only` }, { Allow: ALLOW });
    }
    if (path === '/healthz') return probe(res, () => checks.live(), 'live', path);
    if (path === '/readyz') return probe(res, () => checks.ready(), 'ready', path);
    metrics.metrics().then(
      (text) => send(res, 200, text, metrics.contentType),
      (err: Error) => {
        logger.error('metrics collection failed', { error: err.message });
        sendJson(res, 500, { error: 'metrics collection failed' });
      },
    );
  };
}

export function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { port, host, logger } = options;
  const server = createServer(createHealthHandler(options));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error('health server error', { error: err.message }));
      const bound = (server.address() as AddressInfo).port;
      logger.info('health server listening', { host: host ?? '*', port: bound });
      resolve({ port: bound, close: closer(server) });
    });
  });
}

/** close() for `server`; calling it again returns the same promise. */
function closer(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      // close() alone would wait for keep-alive clients (Prometheus keeps one open) to go away.
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}
