// Start-up and shut-down of the real server process: readiness only after load and warm-up, the
// model checksum, refusing bad models and settings, and a SIGTERM that lets in-flight requests
// finish.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { META } from '../src/contract';
import { describeModel } from '../src/model/metadata';
import { ask, predict } from './support/http';
import { parseExposition } from './support/prom';
import { sampleModel, startServer } from './support/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sample model with its metadata_props edited. */
function editedModel(dir: string, name: string, edit: (props: Record<string, string>) => void): string {
  const m = onnx.ModelProto.decode(readFileSync(sampleModel()));
  const props: Record<string, string> = {};
  for (const p of m.metadataProps) props[p.key!] = p.value ?? '';
  edit(props);
  m.metadataProps = Object.entries(props).map(([key, value]) =>
    onnx.StringStringEntryProto.create({ key, value }),
  );
  const path = join(dir, name);
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return path;
}

/** A connection that has sent the start of a request and holds it open. */
function openPartialRequest(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(head, () => resolve(s)));
    s.on('error', reject);
  });
}

function readAnswer(s: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => {
      const [head, body = ''] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body });
    });
  });
}

describe('model server life cycle (real process, sample model)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'model-server-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is live but not ready until the model is loaded and warmed up', async () => {
    const server = await startServer({}, { waitFor: 'listening' });
    try {
      const live = await ask(server.port, { path: '/v2/health/live' });
      const ready = await ask(server.port, { path: '/v2/health/ready' });
      const early = await predict(server.port, { text: 'too early' });
      assert.equal(
        server.logs.some((l) => l.message === 'ready'),
        false,
        'the check came too late to see the loading state',
      );
      assert.equal(live.status, 200);
      assert.deepEqual([ready.status, ready.json], [503, { ready: false }]);
      assert.equal(early.status, 503);
      assert.match(early.json.error, /not ready/);
      const readyLog = await server.waitForLog('ready');
      assert.ok((readyLog.load_and_warmup_ms as number) >= 0);
      assert.equal((await ask(server.port, { path: '/v2/health/ready' })).status, 200);
      assert.equal((await predict(server.port, { text: 'now' })).status, 200);
      // the warm-up batch ran before readiness, and it is not counted as traffic
      const { samples } = parseExposition((await ask(server.port, { path: '/metrics' })).text);
      assert.equal(samples.find((s) => s.name === 'sentiment_batch_size_count')?.value, 1);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('serves when MODEL_SHA256 matches the file', async () => {
    const { sha256 } = describeModel(readFileSync(sampleModel()));
    const server = await startServer({ MODEL_SHA256: sha256.toUpperCase() });
    assert.equal((await predict(server.port, { text: 'fine' })).status, 200);
    assert.equal(server.logs.find((l) => l.message === 'model file checked')?.sha256_verified, true);
    assert.equal(await server.stop(), 0);
  });

  it('exits non-zero with a clear message and never listens when MODEL_SHA256 does not match', async () => {
    const wrong = '0'.repeat(64);
    await assert.rejects(startServer({ MODEL_SHA256: wrong }), (err: Error) => {
      assert.match(err.message, /exited \(1\)/);
      assert.match(
        err.message,
        /MODEL_SHA256 mismatch: expected 0{64}, but .*imdb\.onnx has sha256 [0-9a-f]{64}; refusing to serve it/,
      );
      assert.doesNotMatch(err.message, /"message":"listening"/);
      return true;
    });
  });

  it('exits 1 naming the problem for a missing model file or one that breaks the contract', async () => {
    await assert.rejects(
      startServer({}, { model: join(dir, 'nope.onnx') }),
      /exited \(1\)[\s\S]*cannot read the model .*nope\.onnx/,
    );
    const wrongLabels = editedModel(dir, 'labels.onnx', (p) => (p[META.labels] = 'good,bad'));
    await assert.rejects(
      startServer({}, { model: wrongLabels }),
      /exited \(1\)[\s\S]*sentimentops\.labels must be \\"negative,positive\\"/,
    );
  });

  it('exits 2 with the setting named for bad configuration', async () => {
    await assert.rejects(
      startServer({ MAX_BATCH_SIZE: 'many' }),
      /exited \(2\)[\s\S]*MAX_BATCH_SIZE must be an integer/,
    );
  });

  it('takes its name from MODEL_NAME and leaves out the baseline gauges for a model without one', async () => {
    const bare = editedModel(dir, 'bare.onnx', (p) => {
      delete p[META.baselineConfidence];
      delete p[META.baselineInputTokens];
      delete p[META.baselineUnknownTokens];
      delete p[META.baselinePositiveRate];
    });
    const server = await startServer({ MODEL_NAME: 'bare-model' }, { model: bare });
    try {
      const { samples, types } = parseExposition((await ask(server.port, { path: '/metrics' })).text);
      assert.equal(types.has('sentiment_baseline_ratio'), false);
      assert.equal(types.has('sentiment_baseline_positive_rate'), false);
      assert.equal(types.has('sentiment_baseline_samples'), false);
      assert.ok(samples.every((s) => s.labels.model === 'bare-model'));
      assert.equal((await ask(server.port, { path: '/v2/models/bare-model/ready' })).status, 200);
      assert.equal((await ask(server.port, { path: '/v2/models/bare/ready' })).status, 404);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('on SIGTERM turns unready, refuses new connections, finishes every in-flight request and exits 0', async () => {
    // a long batch window keeps the requests in flight while the signal arrives
    // a short drain period: connections the client opened just before the signal are accepted
    const server = await startServer({
      BATCH_WINDOW_MS: '400',
      SHUTDOWN_TIMEOUT_MS: '10000',
      DRAIN_SECONDS: '0.5',
    });
    const texts = Array.from(
      { length: 24 },
      (_, i) => `request number ${i}: ${i % 2 ? 'loved it' : 'hated it'}`,
    );
    const inFlight = texts.map((text) => predict(server.port, { text }));
    // a probe whose request line is on the wire but not finished: it is in flight too
    const probe = await openPartialRequest(server.port, 'GET /v2/health/ready HTTP/1.1\r\nHost: test\r\n');
    const probeAnswer = readAnswer(probe);
    await sleep(150);
    const signalled = Date.now();
    server.proc.kill('SIGTERM');
    await server.waitForLog('drained: no new connections, finishing in-flight requests');
    probe.write('\r\n');

    const refused = await new Promise<string>((resolve) => {
      const s = connect(server.port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, 'ECONNREFUSED');

    const answers = await Promise.all(inFlight);
    assert.deepEqual(
      answers.map((a) => a.status),
      texts.map(() => 200),
    );
    answers.forEach((a) => assert.ok(['positive', 'negative'].includes(a.json.label)));
    const p = await probeAnswer;
    assert.deepEqual([p.status, JSON.parse(p.body)], [503, { ready: false }]);
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - signalled < 10_000, 'exited within SHUTDOWN_TIMEOUT_MS');
    assert.ok(server.logs.some((l) => l.message === 'stopped: every connection closed'));
  });

  it('on SIGTERM while the model is still loading, lets the threads finish loading and exits 0', async () => {
    const server = await startServer({ INFERENCE_THREADS: '2' }, { waitFor: 'listening' });
    server.proc.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(!server.logs.some((l) => l.level === 'raw' && /terminate called|Napi|Abort/.test(l.message)));
  });

  it('closes what is left and exits at SHUTDOWN_TIMEOUT_MS when a client never finishes its request', async () => {
    const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '300' });
    const stuck = await openPartialRequest(
      server.port,
      'POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te',
    );
    stuck.on('error', () => undefined);
    await sleep(50);
    const signalled = Date.now();
    server.proc.kill('SIGTERM');
    const code = await server.exited;
    const took = Date.now() - signalled;
    assert.equal(code, 1, 'a forced shutdown is not a clean one');
    assert.ok(took >= 250 && took < 5_000, `exited after ${took} ms`);
    assert.ok(server.logs.some((l) => l.message === 'shutdown timeout: closing the connections still open'));
    stuck.destroy();
  });
});
