// The real server process against hostile and careless clients (issue 12): bodies sent one byte
// per chunk, hundreds of maximal batches whose clients leave, SIGTERM while a batch is computed,
// deeply nested JSON, and clients too slow to finish their request. Each case measures what a client or the node would see: resident
// memory, latency of the next request, exit code, resets and the error message.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Socket, connect } from 'node:net';
import type { ServerProcess } from '../src/bench/spawn-server';
import { ask, predict } from './support/http';
import { startServer } from './support/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** Sends one raw HTTP/1.1 request and resolves with the status and body once the server closes. */
function rawRequest(port: number, head: string, payload: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(head);
      s.end(payload);
    });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const at = text.indexOf('\r\n\r\n');
      resolve({ status: Number(text.split(' ')[1]), body: text.slice(at + 4) });
    });
  });
}

/** `body` as Transfer-Encoding: chunked with one byte per chunk. */
function oneByteChunks(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length * 6 + 5);
  let o = 0;
  for (const byte of body) {
    out.write('1\r\n', o, 'latin1');
    out[o + 3] = byte;
    out.write('\r\n', o + 4, 'latin1');
    o += 6;
  }
  out.write('0\r\n\r\n', o, 'latin1');
  return out;
}

/** Samples the process's resident memory until stopped; returns the peak in MB. */
function rssPeak(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process is gone
    }
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

const words = ['a', 'wonderful', 'film', 'with', 'terrible', 'acting', 'and', 'great', 'music'];
const review = (i: number, chars: number): string => {
  let s = `review ${i}:`;
  for (let j = 0; s.length < chars; j++) s += ` ${words[(i + j) % words.length]}`;
  return s.slice(0, chars);
};

describe('the model server under hostile clients (real process, sample model)', function () {
  this.timeout(180_000);

  describe('with default settings', () => {
    let server: ServerProcess;
    before(async () => (server = await startServer()));
    after(async () => {
      if (server) assert.equal(await server.stop(), 0);
    });

    it('keeps memory bounded when 1 MB bodies arrive one byte per chunk', async () => {
      // {"text": "..."} of 1,000,000 bytes: parsed, then refused for its length (MAX_TEXT_CHARS)
      const json = Buffer.from(JSON.stringify({ text: 'x'.repeat(1_000_000 - 11) }));
      assert.equal(json.length, 1_000_000);
      const payload = oneByteChunks(json);
      const head =
        'POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
      // a server that has served some traffic: its V8 young generation has its working size
      const texts = Array.from({ length: 64 }, (_, i) => review(i, 300));
      for (let i = 0; i < 100; i++) assert.equal((await predict(server.port, { texts })).status, 200);
      const before = rssMb(server.proc.pid!);
      const after: string[] = [];
      for (let i = 0; i < 4; i++) {
        const a = await rawRequest(server.port, head, payload);
        assert.equal(a.status, 400, a.body.slice(0, 200));
        assert.match(JSON.parse(a.body).error, /MAX_TEXT_CHARS/);
        after.push((rssMb(server.proc.pid!) - before).toFixed(1));
      }
      // The growth that stays: RSS once the server is at rest again (V8 gives back the young
      // generation it grew for the last body within a second or two), the lowest of 3 s of samples.
      // The bug this guards against (a retained object per chunk) grew RSS by hundreds of MB (709
      // MB for these four bodies, docs/model-server.md); below LIMIT_MB is V8's heap sizing, which
      // read 21-47 MB, the high end in a loaded full suite.
      const LIMIT_MB = 64;
      let growth = rssMb(server.proc.pid!) - before;
      for (let i = 0; i < 15 && growth > LIMIT_MB; i++) {
        await sleep(200);
        growth = Math.min(growth, rssMb(server.proc.pid!) - before);
      }
      console.log(`      RSS ${before.toFixed(0)} MB before; growth after each body ${after.join(', ')} MB`);
      assert.ok(growth <= LIMIT_MB, `RSS grew by ${growth.toFixed(0)} MB (limit ${LIMIT_MB} MB)`);
    });

    it('answers 400 with a short message for deeply nested JSON in any v2 field', async () => {
      const nested = '['.repeat(100_000) + ']'.repeat(100_000);
      for (const field of ['name', 'datatype', 'shape', 'data', 'id', 'outputs']) {
        const input: Record<string, string> = {
          name: '"text"',
          datatype: '"BYTES"',
          shape: '[1]',
          data: '["fine"]',
        };
        let body: string;
        if (field in input) {
          input[field] = nested;
          body = `{"inputs":[{${Object.entries(input)
            .map(([k, v]) => `"${k}":${v}`)
            .join(',')}}]}`;
        } else {
          body = `{"${field}":${nested},"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["a"]}]}`;
        }
        const a = await ask(server.port, {
          path: '/v2/models/imdb/infer',
          headers: { 'content-type': 'application/json' },
          body,
        });
        assert.equal(a.status, 400, `${field}: ${a.text.slice(0, 200)}`);
        assert.ok(a.text.length <= 300, `${field}: a ${a.text.length}-character answer`);
        assert.match(a.json.error, new RegExp(`"?${field}`));
      }
      const v1 = await ask(server.port, {
        path: '/predict',
        headers: { 'content-type': 'application/json' },
        body: `{"texts":${nested}}`,
      });
      assert.equal(v1.status, 400);
      assert.ok(v1.text.length <= 300);
      assert.ok(!server.logs.some((l) => l.level === 'error'), 'the server logged an error');
    });

    it('drops the texts of 300 abandoned maximal batches: the next request is answered in 2 s, RSS stays under 448 MB', async () => {
      // 256 texts (MAX_BATCH_ITEMS) of about 3,900 characters: just under MAX_BODY_BYTES
      const body = Buffer.from(
        JSON.stringify({ texts: Array.from({ length: 256 }, (_, i) => review(i, 3_880)) }),
      );
      assert.ok(body.length <= 1024 * 1024 && body.length > 990_000, `${body.length} bytes`);
      const head = Buffer.from(
        `POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      const peak = rssPeak(server.proc.pid!);
      const sockets: Socket[] = [];
      await Promise.all(
        Array.from(
          { length: 300 },
          () =>
            new Promise<void>((resolve) => {
              const s = connect(server.port, '127.0.0.1', () =>
                s.write(Buffer.concat([head, body]), () => resolve()),
              );
              s.on('error', () => resolve());
              s.on('close', () => resolve());
              sockets.push(s);
            }),
        ),
      );
      // every body is on its way; the clients leave without reading an answer
      for (const s of sockets) s.destroy();
      // a well-behaved client: it honours Retry-After while the server notices who has left
      const asked = Date.now();
      let next = await predict(server.port, { text: 'a small request after the flood' });
      let refusals = 0;
      while (next.status === 503 && next.headers['retry-after'] !== undefined && Date.now() - asked < 2000) {
        refusals++;
        await sleep(Number(next.headers['retry-after']) * 1000);
        next = await predict(server.port, { text: 'a small request after the flood' });
      }
      const took = Date.now() - asked;
      await sleep(1000);
      const peakMb = peak.stop();
      console.log(
        `      next request answered in ${took} ms (${refusals} 503 with Retry-After first); RSS peak ${peakMb.toFixed(0)} MB`,
      );
      assert.equal(next.status, 200);
      assert.ok(took <= 2000, `the next request took ${took} ms`);
      // 7/8 of the 512Mi limit samples/basic.yaml sets: the first version peaked at 1,036 MB; with the
      // model trained on IMDB and reviews (its tokenizer, the input descriptors) 384-405 MB here
      assert.ok(peakMb <= 448, `RSS peaked at ${peakMb.toFixed(0)} MB`);
      // leaving is the client's choice: no server error, counted under code 499
      assert.ok(!server.logs.some((l) => l.level === 'error'), 'the server logged an error');
      const metrics = (await ask(server.port, { path: '/metrics' })).text;
      assert.doesNotMatch(metrics, /sentiment_requests_total\{[^}]*code="500"/);
      assert.match(
        metrics,
        /sentiment_overload_rejections_total\{[^}]*limit="(queued_texts|body_bytes)"[^}]*\} [1-9]/,
      );
    });
  });

  it('cuts half-sent headers at HEADERS_TIMEOUT_MS and a trickled body at REQUEST_TIMEOUT_MS with a JSON 408', async () => {
    const server = await startServer({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
    try {
      /** Sends `head`, then one byte of `drip` every 200 ms; resolves when the server closes. */
      const slowClient = (head: string, drip: string) =>
        new Promise<{ ms: number; answer: string }>((resolve) => {
          const started = Date.now();
          let answer = '';
          let timer: NodeJS.Timeout | undefined;
          const s = connect(server.port, '127.0.0.1', () => {
            s.write(head);
            let i = 0;
            timer = setInterval(() => i < drip.length && s.writable && s.write(drip[i++]), 200);
          });
          s.on('data', (c: Buffer) => (answer += c.toString()));
          s.on('error', () => undefined);
          s.on('close', () => {
            clearInterval(timer);
            resolve({ ms: Date.now() - started, answer });
          });
        });
      const [headers, body] = await Promise.all([
        slowClient('POST /predict HTTP/1.1\r\nHost: test\r\n', 'X-Slow: '.padEnd(200, 'a')),
        slowClient(
          'POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n',
          '{"text": "'.padEnd(400, 'b'),
        ),
      ]);
      console.log(`      half-sent headers cut after ${headers.ms} ms, a trickled body after ${body.ms} ms`);
      for (const [what, got, limit] of [
        ['headers', headers, 1000],
        ['body', body, 2000],
      ] as const) {
        assert.match(got.answer, /^HTTP\/1\.1 408 /, `${what}: ${got.answer.slice(0, 100)}`);
        assert.match(got.answer, /"error":/);
        // Node checks the timeouts once a second (connectionsCheckingInterval)
        assert.ok(got.ms >= limit - 100 && got.ms < limit + 2500, `${what}: closed after ${got.ms} ms`);
      }
      assert.equal((await predict(server.port, { text: 'still serving' })).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('on SIGTERM during a batch keeps serving through the drain period, resets nothing and exits 0', async () => {
    const drainMs = 2000;
    const server = await startServer({ DRAIN_SECONDS: String(drainMs / 1000), SHUTDOWN_TIMEOUT_MS: '20000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const texts = Array.from({ length: 128 }, (_, i) => review(i, 600));
    let signalledAt = Infinity;
    const outcomes: { sentAt: number; result: string }[] = [];
    // clients keep sending until shortly before the drain period ends: all of those must succeed
    // (the margin covers a busy machine: a connection still in the listen backlog when the listener
    // closes is reset by the kernel, which in a cluster the preStop wait rules out)
    const client = async (): Promise<void> => {
      while (Date.now() < signalledAt + drainMs - 700) {
        const sentAt = Date.now();
        const result = await ask(server.port, { path: '/predict', body: { texts }, agent }).then(
          (a) => String(a.status),
          (err: NodeJS.ErrnoException) => err.code ?? err.message,
        );
        outcomes.push({ sentAt, result });
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await sleep(700);
    signalledAt = Date.now();
    server.proc.kill('SIGTERM');
    await Promise.all(clients);
    const code = await server.exited;
    agent.destroy();
    const bad = outcomes.filter((o) => o.result !== '200');
    const during = outcomes.filter((o) => o.sentAt >= signalledAt).length;
    console.log(
      `      ${outcomes.length} requests (${during} sent after SIGTERM), ${bad.length} not 200; exit ${code}`,
    );
    assert.deepEqual(
      bad.slice(0, 5).map((o) => `${o.sentAt - signalledAt} ms after SIGTERM: ${o.result}`),
      [],
    );
    assert.ok(during > 0, 'no request was sent during the drain period');
    assert.equal(code, 0);
    assert.ok(!server.logs.some((l) => l.level === 'raw' && /terminate called|Napi/.test(l.message)));
  });
});
