import { strict as assert } from 'node:assert';
import { CONFIDENCE_BUCKETS, INPUT_TOKENS_BUCKETS, SERVER_METRICS } from '../src/contract';
import { signalValues } from '../src/model/signals';
import { ServerMetrics, batchSizeBuckets } from '../src/server/metrics';
import type { ServedModel } from '../src/server/served-model';

const baseline = {
  edges: [...CONFIDENCE_BUCKETS],
  counts: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
  ratios: CONFIDENCE_BUCKETS.map((_, i) => (i + 1) / 12),
  n: 12,
};
const tokensBaseline = {
  edges: [...INPUT_TOKENS_BUCKETS],
  counts: [6, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ratios: INPUT_TOKENS_BUCKETS.map((_, i) => (i === 0 ? 0.5 : 1)),
  n: 12,
};
/** A model with every baseline and the descriptor outputs, or an older file with neither. */
const model = (withBaseline: boolean): ServedModel => ({
  name: 'imdb',
  version: 'v7',
  sha256: 'f'.repeat(64),
  metadata: {
    raw: {},
    labels: ['negative', 'positive'],
    version: 'v7',
    baselines: withBaseline ? { confidence: baseline, inputTokens: tokensBaseline } : {},
    baselinePositiveRate: withBaseline ? 0.5128 : undefined,
    hasDescriptors: withBaseline,
  },
});

/** Series lines (not comments) of one metric family. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name}_`));
}

describe('server metrics', () => {
  it('batch size buckets double up to the largest batch', () => {
    assert.deepEqual(batchSizeBuckets(64), [1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(batchSizeBuckets(48), [1, 2, 4, 8, 16, 32, 48]);
    assert.deepEqual(batchSizeBuckets(1), [1]);
  });

  it('counts a batch: labels, confidence buckets on the contract edges, input lengths and batch size', async () => {
    const m = new ServerMetrics(model(true), 64);
    const predictions = {
      probs: Float32Array.from([0.03, 0.97, 0.7, 0.3, 0.5, 0.5]),
      descriptors: { tokens: Float32Array.from([1, 9, 0]), unknown: Float32Array.from([1, 1, 0]) },
    };
    m.observeBatch(['abc', 'defgh', 'x'], predictions.probs, signalValues(predictions));
    m.observeRequest('/predict', 200, 0.003);
    const text = await m.render();
    const value = (line: string): number => Number(line.split(' ').pop());
    const find = (prefix: string): string => {
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      assert.ok(line, `no series starting with ${prefix}`);
      return line;
    };
    assert.equal(value(find(`${SERVER_METRICS.predictions}{label="positive"`)), 2);
    assert.equal(value(find(`${SERVER_METRICS.predictions}{label="negative"`)), 1);
    const le = series(text, `${SERVER_METRICS.confidence}_bucket`).map((l) => /le="([^"]+)"/.exec(l)![1]);
    assert.deepEqual(le, [...CONFIDENCE_BUCKETS.map(String), '+Inf']);
    assert.equal(value(find(`${SERVER_METRICS.confidence}_bucket{le="0.55"`)), 1); // the 0.5 one
    assert.equal(value(find(`${SERVER_METRICS.confidence}_bucket{le="0.7"`)), 2);
    assert.equal(value(find(`${SERVER_METRICS.confidence}_bucket{le="0.98"`)), 3);
    assert.equal(value(find(`${SERVER_METRICS.inputChars}_sum`)), 9);
    // tokens 1, 9, 0; unknown shares 1, 1/9, 0 (a text without tokens has nothing unknown)
    assert.equal(value(find(`${SERVER_METRICS.inputTokens}_bucket{le="4"`)), 2);
    assert.equal(value(find(`${SERVER_METRICS.inputTokens}_bucket{le="12"`)), 3);
    assert.equal(value(find(`${SERVER_METRICS.unknownTokens}_bucket{le="0"`)), 1);
    assert.equal(value(find(`${SERVER_METRICS.unknownTokens}_bucket{le="0.15"`)), 2);
    assert.equal(value(find(`${SERVER_METRICS.unknownTokens}_bucket{le="1"`)), 3);
    assert.equal(value(find(`${SERVER_METRICS.batchSize}_sum`)), 3);
    assert.equal(value(find(`${SERVER_METRICS.requests}{route="/predict",code="200"`)), 1);
    assert.equal(value(find(`${SERVER_METRICS.requestDuration}_count{`)), 1);
  });

  it('labels every series, process metrics included, with model and model_version', async () => {
    const text = await new ServerMetrics(model(true), 64).render();
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(lines.some((l) => l.startsWith('process_cpu_user_seconds_total')));
    assert.ok(lines.some((l) => l.startsWith('nodejs_heap_size_used_bytes')));
    for (const l of lines)
      assert.match(l, /model="imdb",model_version="v7"|model="imdb".*model_version="v7"/, l);
  });

  it('exports the baseline ratios per signal and edge, its positive rate and size, and the model sha256', async () => {
    const text = await new ServerMetrics(model(true), 64).render();
    const ratios = series(text, SERVER_METRICS.baselineRatio).map((l) => [
      /signal="([^"]+)"/.exec(l)![1],
      /le="([^"]+)"/.exec(l)![1],
      Number(l.split(' ').pop()),
    ]);
    assert.deepEqual(ratios, [
      ...CONFIDENCE_BUCKETS.map((e, i) => ['confidence', String(e), baseline.ratios[i]]),
      ...INPUT_TOKENS_BUCKETS.map((e, i) => ['inputTokens', String(e), tokensBaseline.ratios[i]]),
    ]);
    assert.deepEqual(series(text, SERVER_METRICS.baselinePositiveRate), [
      `${SERVER_METRICS.baselinePositiveRate}{model="imdb",model_version="v7"} 0.5128`,
    ]);
    assert.deepEqual(series(text, SERVER_METRICS.baselineSamples), [
      `${SERVER_METRICS.baselineSamples}{model="imdb",model_version="v7"} 12`,
    ]);
    assert.match(text, new RegExp(`${SERVER_METRICS.modelInfo}\\{sha256="${'f'.repeat(64)}".*\\} 1`));
  });

  it('leaves the baseline gauges and descriptor histograms out for a model without them', async () => {
    const text = await new ServerMetrics(model(false), 64).render();
    for (const name of [
      SERVER_METRICS.inputTokens,
      SERVER_METRICS.unknownTokens,
      SERVER_METRICS.baselineRatio,
      SERVER_METRICS.baselinePositiveRate,
      SERVER_METRICS.baselineSamples,
    ]) {
      assert.equal(series(text, name).length, 0, name);
      assert.ok(!text.includes(name), name);
    }
  });
});
