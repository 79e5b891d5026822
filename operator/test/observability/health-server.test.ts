import { strict as assert } from 'node:assert';
import { IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import winston from 'winston';
import { CheckResult, HealthServer, startHealthServer } from '../../src/observability/health-server';
import { OperatorMetrics } from '../../src/observability/metrics';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection (no keep-alive), so tests do not share sockets. */
function call(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const silent = winston.createLogger({ silent: true });

describe('health server', () => {
  let live: () => CheckResult;
  let ready: () => CheckResult;
  let metrics: OperatorMetrics;
  let server: HealthServer;

  beforeEach(async () => {
    live = () => true;
    ready = () => true;
    metrics = new OperatorMetrics();
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics,
      checks: { live: () => live(), ready: () => ready() },
      logger: silent,
    });
  });

  afterEach(() => server.close());

  it('listens on a free port when asked for port 0', () => {
    assert.ok(server.port > 0);
  });

  it('serves the operator registry on /metrics in the Prometheus text format', async () => {
    metrics.observeReconcile('success', 0.01);
    const r = await call(server.port, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^sentimentops_reconcile_total\{result="success"\} 1$/m);
  });

  for (const [path, set] of [
    ['/healthz', (f: () => CheckResult) => (live = f)],
    ['/readyz', (f: () => CheckResult) => (ready = f)],
  ] as const) {
    describe(path, () => {
      it('answers 200 {"status":"ok"} in JSON while its check passes', async () => {
        const r = await call(server.port, path);
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
        assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
      });

      it('answers 503 with the reason the check gives', async () => {
        set(() => 'informer stopped');
        const r = await call(server.port, path);
        assert.equal(r.status, 503);
        assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(JSON.parse(r.body).reason, 'informer stopped');
      });

      it('answers 503 with a generic reason when the check says false', async () => {
        set(() => false);
        const r = await call(server.port, path);
        assert.equal(r.status, 503);
        assert.match(JSON.parse(r.body).reason, /^not (live|ready)$/);
      });

      it('answers 503 when the check throws', async () => {
        set(() => {
          throw new Error('boom');
        });
        const r = await call(server.port, path);
        assert.equal(r.status, 503);
        assert.match(JSON.parse(r.body).reason, /boom/);
      });

      it('ignores a query string', async () => {
        assert.equal((await call(server.port, `${path}?verbose=1`)).status, 200);
      });
    });
  }

  it('checks liveness and readiness separately', async () => {
    ready = () => 'not leading yet';
    assert.equal((await call(server.port, '/healthz')).status, 200);
    assert.equal((await call(server.port, '/readyz')).status, 503);
  });

  it('answers HEAD without a body', async () => {
    const r = await call(server.port, '/healthz', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
  });

  it('answers 404 in JSON for other paths', async () => {
    const r = await call(server.port, '/livez');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(JSON.parse(r.body).error, /\/livez/);
  });

  it('answers 405 in JSON with an Allow header for other methods', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const r = await call(server.port, path, 'POST');
      assert.equal(r.status, 405, path);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      assert.ok(JSON.parse(r.body).error);
    }
  });

  it('answers 500 in JSON when collecting metrics fails', async () => {
    const broken = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: { contentType: 'text/plain', metrics: () => Promise.reject(new Error('collector broke')) },
      checks: { live: () => true, ready: () => true },
      logger: silent,
    });
    try {
      const r = await call(broken.port, '/metrics');
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    } finally {
      await broken.close();
    }
  });

  it('fails to start when the port is taken', async () => {
    await assert.rejects(
      startHealthServer({
        port: server.port,
        host: '127.0.0.1',
        metrics,
        checks: { live: () => true, ready: () => true },
        logger: silent,
      }),
      /EADDRINUSE/,
    );
  });

  it('closes promptly with an idle keep-alive connection and a half-sent request open', async () => {
    // An idle keep-alive client, like Prometheus between scrapes.
    const idle = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await new Promise((resolve) => idle.once('data', resolve));
    // A client stuck mid-request, which server.close() alone would wait for until headersTimeout.
    const stuck = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => stuck.once('connect', resolve));
    stuck.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));

    const closedSockets = Promise.all(
      [idle, stuck].map((s) => new Promise((resolve) => s.once('close', resolve))),
    );
    const started = Date.now();
    await server.close();
    await closedSockets;
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
    await assert.rejects(call(server.port, '/healthz'), /ECONNREFUSED/);
    await server.close(); // a second close is harmless
  });
});
