// The drift evaluator's Prometheus client against hostile local servers (issue 12): a reply of
// 400 MB is abandoned at the size cap with bounded memory, a long error text reaches the status
// cut to 1 KiB, and a model's own Prometheus URL is refused when the operator forbids it.
import { strict as assert } from 'node:assert';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { DriftEvaluator, FORBIDDEN_URL_MESSAGE, type DriftReport } from '../../src/drift/evaluator';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  MAX_MESSAGE_CHARS,
  PrometheusError,
  instantQuery,
} from '../../src/drift/prometheus';
import { OperatorMetrics } from '../../src/observability/metrics';
import { sentimentModel, FILE_MODEL } from '../support/models';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Writes `total` bytes of a JSON error whose text never ends, as fast as the client reads. */
async function streamHugeError(res: ServerResponse, total: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"status":"error","errorType":"bad_data","error":"');
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end('"}');
}

function listen(handler: (path: string, res: ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => handler(req.url ?? '', res));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Evaluates `sm` once with the evaluator's own timer and returns the report. */
async function evaluateOnce(
  evaluator: DriftEvaluator,
  sm: ReturnType<typeof sentimentModel>,
): Promise<DriftReport> {
  const key = `${sm.metadata.namespace}/${sm.metadata.name}`;
  evaluator.track(sm);
  evaluator.start();
  try {
    for (let waited = 0; waited < 20_000; waited += 50) {
      const report = evaluator.report(key);
      if (report) return report;
      await sleep(50);
    }
    throw new Error('no drift report within 20 s');
  } finally {
    evaluator.stop();
  }
}

const evaluatorFor = (url: string, extra: Partial<ConstructorParameters<typeof DriftEvaluator>[0]> = {}) =>
  new DriftEvaluator({
    defaultPrometheusUrl: url,
    metrics: new OperatorMetrics(),
    logger: winston.createLogger({ silent: true }),
    onChange: () => undefined,
    queryTimeoutMs: 10_000,
    ...extra,
  });

describe("the drift evaluator's Prometheus client against hostile servers", function () {
  this.timeout(60_000);
  let server: Server;
  let hits = 0;
  before(async () => {
    server = await listen((path, res) => {
      hits++;
      if (path.startsWith('/huge')) void streamHugeError(res, 400 * MB);
      else if (path.startsWith('/long-error')) {
        // 3 MB of error text: under the size cap, far over what a status may carry
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'y'.repeat(3 * MB) }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('drops a 400 MB reply at the size cap: RSS grows by at most 64 MB, the message is at most 1 KiB', async () => {
    global.gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    let error: unknown;
    try {
      await instantQuery(`${urlOf(server)}/huge`, 'up', 10_000);
    } catch (err) {
      error = err;
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (Math.max(peak, process.memoryUsage.rss()) - before) / MB;
    console.log(`      RSS growth ${growthMb.toFixed(1)} MB (peak over the start)`);
    assert.ok(error instanceof PrometheusError, String(error));
    assert.match(
      error.message,
      new RegExp(
        `answered more than ${DEFAULT_MAX_RESPONSE_BYTES} bytes, the limit \\(--prometheus-max-response-bytes\\)`,
      ),
    );
    assert.ok(error.message.length <= MAX_MESSAGE_CHARS);
    assert.ok(growthMb <= 64, `RSS grew by ${growthMb.toFixed(0)} MB`);
  });

  it('puts at most 1 KiB of a long remote error into the drift status and condition', async () => {
    const report = await evaluateOnce(
      evaluatorFor(`${urlOf(server)}/long-error`),
      sentimentModel({ model: FILE_MODEL }),
    );
    assert.equal(report.drift.status, 'Unknown');
    const message = report.drift.message ?? '';
    assert.ok(message.length <= MAX_MESSAGE_CHARS, `${message.length} characters`);
    assert.match(message, /answered bad_data: y+… \(\d+ characters in all\)/);
    assert.ok(report.condition.message.length <= MAX_MESSAGE_CHARS);
  });

  it('reports the size cap in the status for a model whose Prometheus answers 400 MB', async () => {
    const report = await evaluateOnce(
      evaluatorFor('http://127.0.0.1:9/unused', { maxResponseBytes: 64 * 1024 }),
      sentimentModel({ model: FILE_MODEL, drift: { prometheusUrl: `${urlOf(server)}/huge` } }),
    );
    assert.equal(report.drift.status, 'Unknown');
    assert.match(report.drift.message ?? '', /answered more than 65536 bytes/);
    assert.ok((report.drift.message ?? '').length <= MAX_MESSAGE_CHARS);
  });

  it("refuses a model's own Prometheus URL when the operator forbids it, and says so in the status", async () => {
    const before = hits;
    const report = await evaluateOnce(
      evaluatorFor(`${urlOf(server)}/long-error`, { allowModelPrometheusUrl: false }),
      sentimentModel({ model: FILE_MODEL, drift: { prometheusUrl: `${urlOf(server)}/huge` } }),
    );
    assert.equal(report.drift.status, 'Unknown');
    assert.equal(report.drift.message, FORBIDDEN_URL_MESSAGE);
    assert.equal(report.condition.reason, 'Unknown');
    assert.equal(hits, before, 'a query went out');
  });
});
