// Micro-batching in the real process: many concurrent, distinct requests over both protocols are
// coalesced into few onnxruntime calls, and every caller gets exactly its own predictions.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { ServerProcess } from '../src/bench/spawn-server';
import { OnnxModel } from '../src/model/onnx-model';
import { parseJsonl } from '../src/training/dataset';
import { ask } from './support/http';
import { IMDB_TEST, requireFile } from './support/paths';
import { parseExposition, sum } from './support/prom';
import { sampleModel, startServer } from './support/server';

describe('micro-batching in the server (real process, sample model)', function () {
  this.timeout(120_000);
  let server: ServerProcess;
  let model: OnnxModel;

  before(async () => {
    model = await OnnxModel.load(sampleModel());
    server = await startServer({ MAX_BATCH_SIZE: '64', BATCH_WINDOW_MS: '2' });
  });
  after(async () => {
    await model?.release();
    if (server) assert.equal(await server.stop(), 0);
  });

  it('answers 1,000 concurrent distinct texts, each with its own prediction, in far fewer model calls', async () => {
    const file = requireFile(
      IMDB_TEST,
      'the IMDB data set lives in ../shared/datasets/imdb (set SHARED_DIR)',
    );
    // distinct texts with distinct probabilities: a review prefix plus a request number
    const reviews = parseJsonl(readFileSync(file, 'utf8'), file).slice(0, 1000);
    const texts = reviews.map((r, i) => `${r.text.slice(0, 200 + (i % 300))} #${i}`);
    const expected = await model.predict(texts);
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });
    const before = parseExposition((await ask(server.port, { path: '/metrics' })).text).samples;

    // requests of three kinds, interleaved: single /predict, /predict of 5, V2 infer of 5
    const requests: { ids: number[]; send: () => Promise<number[]> }[] = [];
    for (let i = 0; i < texts.length;) {
      const kind = requests.length % 3;
      const ids = kind === 0 ? [i] : Array.from({ length: Math.min(5, texts.length - i) }, (_, k) => i + k);
      i += ids.length;
      const batch = ids.map((id) => texts[id]);
      const send =
        kind === 0
          ? async () => {
              const a = await ask(server.port, { path: '/predict', body: { text: batch[0] }, agent });
              assert.equal(a.status, 200, a.text);
              return [a.json.probabilities.positive as number];
            }
          : kind === 1
            ? async () => {
                const a = await ask(server.port, { path: '/predict', body: { texts: batch }, agent });
                assert.equal(a.status, 200, a.text);
                return (a.json.predictions as { probabilities: { positive: number } }[]).map(
                  (p) => p.probabilities.positive,
                );
              }
            : async () => {
                const a = await ask(server.port, {
                  path: '/v2/models/imdb/infer',
                  body: { inputs: [{ name: 'text', datatype: 'BYTES', shape: [batch.length], data: batch }] },
                  agent,
                });
                assert.equal(a.status, 200, a.text);
                const data = a.json.outputs[0].data as number[];
                return batch.map((_, k) => data[2 * k + 1]);
              };
      requests.push({ ids, send });
    }
    const answers = await Promise.all(requests.map((r) => r.send()));
    agent.destroy();

    let mixedUp = 0;
    requests.forEach((r, j) =>
      r.ids.forEach((id, k) => {
        if (Math.abs(answers[j][k] - expected[2 * id + 1]) > 1e-5) mixedUp++;
      }),
    );
    assert.equal(mixedUp, 0, `${mixedUp} of ${texts.length} answers belong to another text`);
    // the inputs really are distinguishable: a mix-up could not go unnoticed
    assert.ok(
      new Set(
        Array.from(
          expected.filter((_, i) => i % 2 === 1),
          (p) => p.toFixed(5),
        ),
      ).size > 900,
    );

    const after = parseExposition((await ask(server.port, { path: '/metrics' })).text).samples;
    const calls = sum(after, 'sentiment_batch_size_count') - sum(before, 'sentiment_batch_size_count');
    const items = sum(after, 'sentiment_batch_size_sum') - sum(before, 'sentiment_batch_size_sum');
    assert.equal(items, texts.length, 'every text went through exactly one model call');
    assert.ok(
      calls < texts.length / 4,
      `${calls} model calls for ${texts.length} texts: requests were not coalesced`,
    );
    const overMax =
      sum(after, 'sentiment_batch_size_count') - sum(after, 'sentiment_batch_size_bucket', { le: '64' });
    assert.equal(overMax, 0, 'a batch exceeded MAX_BATCH_SIZE');
  });
});
