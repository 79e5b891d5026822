// The HTTP API of the real server process on the real sample model: both protocols, health,
// the JSON errors for every kind of bad input, and what it logs.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { CONFIDENCE_BUCKETS, HISTOGRAM_SIGNALS, HistogramSignal, LABELS } from '../src/contract';
import type { ServerProcess } from '../src/bench/spawn-server';
import { describeModel } from '../src/model/metadata';
import { OnnxModel } from '../src/model/onnx-model';
import { Answer, ask, predict } from './support/http';
import { parseExposition, sum } from './support/prom';
import { sampleModel, startServer } from './support/server';

/** Sends raw bytes on a fresh connection and returns the status line and body of the answer. */
function raw(port: number, request: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...body] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: body.join('\r\n\r\n') });
    });
  });
}

function isError(a: Answer, status: number, message: RegExp): void {
  assert.equal(a.status, status, a.text);
  assert.match(a.headers['content-type'] ?? '', /application\/json/);
  assert.equal(typeof a.json.error, 'string', a.text);
  assert.match(a.json.error, message);
}

describe('model server HTTP API (real process, sample model)', function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let port: number;
  let model: OnnxModel;
  let sha256: string;
  let version: string;

  before(async () => {
    const bytes = readFileSync(sampleModel());
    ({ sha256 } = describeModel(bytes));
    model = await OnnxModel.fromBytes(bytes);
    version = model.version;
    server = await startServer({ MODEL_SHA256: sha256, MAX_BATCH_ITEMS: '256' });
    port = server.port;
  });
  after(async () => {
    await model?.release();
    if (server) assert.equal(await server.stop(), 0);
  });

  describe('POST /predict', () => {
    it('answers {"text"} with label, confidence, probabilities, model and version from the file', async () => {
      const text = 'A moving, beautifully acted film; I loved every minute of it.';
      const a = await predict(port, { text });
      assert.equal(a.status, 200, a.text);
      const [neg, pos] = await model.predict([text]);
      assert.deepEqual(Object.keys(a.json), [
        'label',
        'confidence',
        'probabilities',
        'model',
        'model_version',
      ]);
      assert.equal(a.json.label, 'positive');
      assert.ok(Math.abs(a.json.probabilities.positive - pos) < 1e-6);
      assert.ok(Math.abs(a.json.probabilities.negative - neg) < 1e-6);
      assert.equal(
        a.json.confidence,
        Math.max(a.json.probabilities.positive, 1 - a.json.probabilities.positive),
      );
      assert.equal(a.json.model, 'imdb');
      assert.equal(a.json.model_version, version);
    });

    it('answers {"texts"} with one prediction per text, in order', async () => {
      const texts = ['Dreadful, boring and far too long.', 'Brilliant and funny.', ''];
      const a = await predict(port, { texts });
      assert.equal(a.status, 200, a.text);
      const probs = await model.predict(texts);
      assert.equal(a.json.predictions.length, 3);
      assert.equal(a.json.model_version, version);
      a.json.predictions.forEach((p: { label: string; probabilities: { positive: number } }, i: number) => {
        assert.ok(Math.abs(p.probabilities.positive - probs[2 * i + 1]) < 1e-6);
        assert.equal(p.label, probs[2 * i + 1] >= 0.5 ? 'positive' : 'negative');
      });
      assert.equal(a.json.predictions[0].label, 'negative');
      assert.equal(a.json.predictions[1].label, 'positive');
    });

    it('survives lone surrogates, NUL, emoji, combining marks and right-to-left text', async () => {
      // JSON escapes can carry UTF-16 code units that are not valid Unicode; onnxruntime receives
      // them as UTF-8 with U+FFFD in their place (Node's string conversion), which the model reads
      // like any other non-letter character
      const odd = [
        '\ud800',
        'great \udfff film',
        'a\u0000b',
        '😀🎬👍',
        'e\u0301\u0327',
        'مرحبا',
        '\ufeff\uffff',
        '\u{10ffff}',
      ];
      const a = await predict(port, { texts: odd });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.predictions.length, odd.length);
      const body = String.raw`{"text": "\ud83d\ude00 \udc00 \u0000 \ud800\ud800"}`;
      assert.equal(
        (await ask(port, { path: '/predict', body, headers: { 'content-type': 'application/json' } })).status,
        200,
      );
    });

    it('answers every 97th code point of Unicode, surrogates included, with a prediction', async () => {
      const texts: string[] = [];
      for (let cp = 0; cp < 0x110000; cp += 97)
        texts.push(`${String.fromCodePoint(cp)} film ${String.fromCodePoint(cp)}`);
      for (let i = 0; i < texts.length; i += 256) {
        const a = await predict(port, { texts: texts.slice(i, i + 256) });
        assert.equal(a.status, 200, `code points from ${(i * 97).toString(16)}: ${a.text}`);
      }
    });
  });

  describe('Open Inference Protocol v2', () => {
    it('reports the server live and ready, and its metadata', async () => {
      assert.deepEqual((await ask(port, { path: '/v2/health/live' })).json, { live: true });
      const ready = await ask(port, { path: '/v2/health/ready' });
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.json, { ready: true });
      const meta = await ask(port, { path: '/v2' });
      assert.equal(meta.json.name, 'sentiment-model-server');
      assert.ok(Array.isArray(meta.json.extensions));
    });

    it('describes the model: name, version, BYTES input text [-1], FP32 output probabilities [-1, 2]', async () => {
      for (const path of ['/v2/models/imdb', `/v2/models/imdb/versions/${version}`]) {
        const a = await ask(port, { path });
        assert.equal(a.status, 200, a.text);
        assert.equal(a.json.name, 'imdb');
        assert.deepEqual(a.json.versions, [version]);
        assert.deepEqual(a.json.inputs, [{ name: 'text', datatype: 'BYTES', shape: [-1] }]);
        assert.deepEqual(a.json.outputs, [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }]);
        assert.equal(a.json.parameters.sha256, sha256);
        assert.deepEqual(a.json.parameters.labels, LABELS);
      }
      const ready = await ask(port, { path: '/v2/models/imdb/ready' });
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.json, { name: 'imdb', ready: true });
    });

    it('infers FP32 probabilities [N, 2] that agree with the model, echoing the id', async () => {
      const texts = ['What a waste of time.', 'An instant classic.', 'It was fine.'];
      const a = await ask(port, {
        path: '/v2/models/imdb/infer',
        body: { id: 'req-1', inputs: [{ name: 'text', datatype: 'BYTES', shape: [3], data: texts }] },
      });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.id, 'req-1');
      assert.equal(a.json.model_name, 'imdb');
      assert.equal(a.json.model_version, version);
      const [out] = a.json.outputs;
      assert.deepEqual([out.name, out.datatype, out.shape], ['probabilities', 'FP32', [3, 2]]);
      const probs = await model.predict(texts);
      out.data.forEach((x: number, i: number) => assert.ok(Math.abs(x - probs[i]) < 1e-6, `element ${i}`));
      const versioned = await ask(port, {
        path: `/v2/models/imdb/versions/${version}/infer`,
        body: { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1, 1], data: [['fine']] }] },
      });
      assert.equal(versioned.status, 200, versioned.text);
      assert.deepEqual(versioned.json.outputs[0].shape, [1, 2]);
    });

    it('answers 404 with {"error"} for an unknown model or version on every model route', async () => {
      const infer = { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['x'] }] };
      for (const [path, body] of [
        ['/v2/models/bert', undefined],
        ['/v2/models/bert/ready', undefined],
        ['/v2/models/bert/infer', infer],
        ['/v2/models/imdb/versions/0/infer', infer],
      ] as const) {
        isError(await ask(port, { path, body }), 404, /is not served here|no version/);
      }
    });

    it('answers 400 for a wrong input name, datatype or shape', async () => {
      const send = (input: object) => ask(port, { path: '/v2/models/imdb/infer', body: { inputs: [input] } });
      const good = { name: 'text', datatype: 'BYTES', shape: [1], data: ['x'] };
      isError(await send({ ...good, name: 'input_ids' }), 400, /inputs\[0\].name" must be "text"/);
      isError(await send({ ...good, datatype: 'INT64' }), 400, /inputs\[0\].datatype" must be "BYTES"/);
      isError(await send({ ...good, shape: [2] }), 400, /has 1 elements but shape \[2\] needs 2/);
      isError(await send({ ...good, shape: [1, 2] }), 400, /shape" must be \[N\] or \[N, 1\]/);
      isError(await send({ ...good, data: [7] }), 400, /data\[0\]" must be a string/);
    });
  });

  describe('bad input: a JSON error, never a 5xx', () => {
    it('413 for a body over MAX_BODY_BYTES, declared or streamed', async () => {
      const big = JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) });
      isError(
        await ask(port, { path: '/predict', body: big, headers: { 'content-type': 'application/json' } }),
        413,
        /MAX_BODY_BYTES=1048576/,
      );
      const chunked = await raw(
        port,
        `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${(1024 * 1024 + 10).toString(16)}\r\n${'x'.repeat(1024 * 1024 + 10)}\r\n0\r\n\r\n`,
      );
      assert.equal(chunked.status, 413);
      assert.match(JSON.parse(chunked.body).error, /MAX_BODY_BYTES/);
    });

    it('400 for malformed JSON, an empty body and bytes that are not UTF-8', async () => {
      const json = { 'content-type': 'application/json' };
      isError(
        await ask(port, { path: '/predict', body: '{"text": "unterminated', headers: json }),
        400,
        /malformed JSON/,
      );
      isError(await ask(port, { path: '/predict', body: '', headers: json }), 400, /empty/);
      isError(
        await ask(port, {
          path: '/predict',
          body: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
          headers: json,
        }),
        400,
        /UTF-8/,
      );
    });

    it('400 naming the field for a missing or wrongly typed field', async () => {
      isError(await predict(port, { txt: 'hello' }), 400, /missing field "text"/);
      isError(await predict(port, { text: 42 }), 400, /field "text" must be a string/);
      isError(await predict(port, { texts: ['ok', false] }), 400, /field "texts\[1\]" must be a string/);
      isError(await predict(port, [1, 2]), 400, /must be a JSON object/);
    });

    it('400 naming the limit for a text over MAX_TEXT_CHARS and for more items than MAX_BATCH_ITEMS', async () => {
      isError(
        await predict(port, { text: 'y'.repeat(20_001) }),
        400,
        /20001 characters; the limit is MAX_TEXT_CHARS=20000/,
      );
      isError(
        await predict(port, { texts: Array(257).fill('ok') }),
        400,
        /257 items; the limit is MAX_BATCH_ITEMS=256/,
      );
    });

    it('415 for a body that is not JSON', async () => {
      isError(
        await ask(port, {
          path: '/predict',
          body: 'text=hello',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        /Content-Type must be application\/json/,
      );
      isError(
        await ask(port, { path: '/predict', body: 'hello', headers: { 'content-type': 'text/plain' } }),
        415,
        /application\/json/,
      );
      isError(
        await ask(port, {
          path: '/predict',
          body: '{}',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        }),
        415,
        /Content-Encoding/,
      );
    });

    it('404 for an unknown route and 405 for a known route with the wrong method', async () => {
      isError(
        await ask(port, { path: '/predictions', body: { text: 'x' } }),
        404,
        /no route POST \/predictions/,
      );
      // GET / is the playground (test/playground.test.ts)
      isError(await ask(port, { path: '/index.html' }), 404, /no route GET \/index\.html/);
      const wrong = await ask(port, { path: '/predict' });
      isError(wrong, 405, /accepts POST only/);
      assert.equal(wrong.headers.allow, 'POST');
    });

    it('answers requests that are not HTTP, or whose headers are too large, in JSON too', async () => {
      const garbage = await raw(port, 'HELLO THERE\r\n\r\n');
      assert.equal(garbage.status, 400);
      assert.match(JSON.parse(garbage.body).error, /not valid HTTP/);
      const proto = await raw(port, 'GET __proto__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.ok([400, 404].includes(proto.status), `${proto.status}`);
      assert.ok(JSON.parse(proto.body).error);
      const huge = await raw(
        port,
        `GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      assert.equal(huge.status, 431);
      assert.match(JSON.parse(huge.body).error, /HPE_HEADER_OVERFLOW/);
    });

    it('keeps serving on the same connection after errors', async () => {
      const a = await predict(port, { text: 'still here' });
      assert.equal(a.status, 200);
    });
  });

  describe('GET /metrics', () => {
    const CONTRACT: Record<string, { type: string; labels: string[] }> = {
      sentiment_requests_total: { type: 'counter', labels: ['route', 'code'] },
      sentiment_request_duration_seconds: { type: 'histogram', labels: ['route'] },
      sentiment_predictions_total: { type: 'counter', labels: ['label'] },
      sentiment_prediction_confidence: { type: 'histogram', labels: [] },
      sentiment_baseline_ratio: { type: 'gauge', labels: ['signal', 'le'] },
      sentiment_baseline_positive_rate: { type: 'gauge', labels: [] },
      sentiment_baseline_samples: { type: 'gauge', labels: [] },
      sentiment_input_chars: { type: 'histogram', labels: [] },
      sentiment_input_tokens: { type: 'histogram', labels: [] },
      sentiment_input_unknown_tokens_ratio: { type: 'histogram', labels: [] },
      sentiment_batch_size: { type: 'histogram', labels: [] },
      sentiment_model_info: { type: 'gauge', labels: ['sha256'] },
      // admission control (issue 12), beyond the contract's original list
      sentiment_overload_rejections_total: { type: 'counter', labels: ['limit'] },
      sentiment_queued_texts: { type: 'gauge', labels: [] },
    };
    const scrape = async () => {
      const a = await ask(port, { path: '/metrics' });
      assert.equal(a.status, 200);
      assert.match(a.headers['content-type'] ?? '', /text\/plain/);
      return parseExposition(a.text);
    };

    it('has exactly the contract model-server families and the admission ones, types and labels, plus the process metrics', async () => {
      const { samples, types } = await scrape();
      const ours = [...types.keys()].filter((n) => n.startsWith('sentiment_')).sort();
      assert.deepEqual(ours, Object.keys(CONTRACT).sort());
      for (const [name, spec] of Object.entries(CONTRACT)) {
        assert.equal(types.get(name), spec.type, name);
        const own = samples.filter(
          (s) => s.name === name || (spec.type === 'histogram' && s.name.startsWith(`${name}_`)),
        );
        assert.ok(own.length > 0, `${name} has no series`);
        for (const s of own) {
          const extra = s.name.endsWith('_bucket') ? ['le'] : [];
          assert.deepEqual(
            Object.keys(s.labels).sort(),
            [...spec.labels, ...extra, 'model', 'model_version'].sort(),
            `${s.name} ${JSON.stringify(s.labels)}`,
          );
        }
      }
      for (const s of samples)
        assert.deepEqual([s.labels.model, s.labels.model_version], ['imdb', version], s.name);
      for (const name of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_heap_size_used_bytes',
        'nodejs_eventloop_lag_seconds',
      ]) {
        assert.ok(types.has(name), `default metric ${name} missing`);
      }
    });

    it('carries the contract edges, the baseline with its size and positive rate, and the file sha256', async () => {
      const { samples } = await scrape();
      const edges = samples
        .filter((s) => s.name === 'sentiment_prediction_confidence_bucket')
        .map((s) => s.labels.le);
      assert.deepEqual(edges, [...CONFIDENCE_BUCKETS.map(String), '+Inf']);
      const { baselines } = model.metadata;
      const baseline = baselines.confidence!;
      assert.ok(baseline, 'the sample model carries a baseline');
      for (const signal of Object.keys(HISTOGRAM_SIGNALS) as HistogramSignal[]) {
        const b = baselines[signal];
        assert.ok(b, `the sample model carries a ${signal} baseline`);
        const ratios = samples.filter(
          (s) => s.name === 'sentiment_baseline_ratio' && s.labels.signal === signal,
        );
        assert.deepEqual(
          ratios.map((s) => [Number(s.labels.le), s.value]),
          b.edges.map((e, i) => [e, b.ratios[i]]),
        );
      }
      const value = (name: string) => samples.filter((s) => s.name === name).map((s) => s.value);
      assert.deepEqual(value('sentiment_baseline_samples'), [baseline.n]);
      assert.ok(
        model.metadata.baselinePositiveRate !== undefined,
        'the sample model carries a positive rate',
      );
      assert.deepEqual(value('sentiment_baseline_positive_rate'), [model.metadata.baselinePositiveRate]);
      const info = samples.filter((s) => s.name === 'sentiment_model_info');
      assert.deepEqual(
        info.map((s) => [s.labels.sha256, s.value]),
        [[sha256, 1]],
      );
    });

    it('counts requests, predictions by label, confidences, input lengths and batches exactly', async () => {
      const texts = [
        'Awful.',
        'Superb film, a joy.',
        'Not good at all, the plot is a mess.',
        'Great cast and a great script.',
        'Meh',
      ];
      const probs = await model.predict(texts);
      const pos = texts.filter((_, i) => probs[2 * i + 1] >= 0.5).length;
      const before = (await scrape()).samples;
      assert.equal((await predict(port, { text: texts[0] })).status, 200);
      assert.equal((await predict(port, { texts: texts.slice(1) })).status, 200);
      assert.equal((await predict(port, { text: 5 })).status, 400);
      const after = (await scrape()).samples;
      const delta = (name: string, match: Record<string, string> = {}) =>
        sum(after, name, match) - sum(before, name, match);
      assert.equal(delta('sentiment_requests_total', { route: '/predict', code: '200' }), 2);
      assert.equal(delta('sentiment_requests_total', { route: '/predict', code: '400' }), 1);
      assert.equal(delta('sentiment_requests_total', { route: '/metrics', code: '200' }), 1);
      assert.equal(delta('sentiment_request_duration_seconds_count', { route: '/predict' }), 3);
      assert.equal(delta('sentiment_predictions_total', { label: 'positive' }), pos);
      assert.equal(delta('sentiment_predictions_total', { label: 'negative' }), texts.length - pos);
      assert.equal(delta('sentiment_prediction_confidence_count'), texts.length);
      for (const edge of CONFIDENCE_BUCKETS) {
        const expected = texts.filter(
          (_, i) => Math.max(probs[2 * i + 1], 1 - probs[2 * i + 1]) <= edge,
        ).length;
        assert.equal(
          delta('sentiment_prediction_confidence_bucket', { le: String(edge) }),
          expected,
          `le=${edge}`,
        );
      }
      assert.equal(delta('sentiment_input_chars_sum'), texts.join('').length);
      assert.equal(delta('sentiment_batch_size_sum'), texts.length);
    });
  });

  describe('logging', () => {
    it('never logs request texts at info level', async () => {
      const secret = 'zebra-unicorn-7f3a marmalade';
      await predict(port, { text: secret });
      await predict(port, { text: 5, note: secret });
      await ask(port, { path: `/v2/models/imdb/infer`, body: { inputs: [{ name: secret }] } });
      await new Promise((r) => setTimeout(r, 100));
      const logged = server.logs.map((l) => JSON.stringify(l)).join('\n');
      assert.ok(server.logs.length > 0);
      assert.ok(!logged.includes('zebra-unicorn'), 'a request text reached the log');
      assert.ok(
        server.logs.every((l) => l.level !== 'raw'),
        'every log line is JSON',
      );
    });
  });
});
