import { strict as assert } from 'node:assert';
import { assess, DriftThresholds, WindowData } from '../../src/drift/assess';
import { CONFIDENCE_EDGES, CumulativeBucket } from '../../src/drift/bins';
import { noiseFloor } from '../../src/drift/noise-floor';

const DEFAULTS: DriftThresholds = { minSamples: 500, warningThreshold: 0.1, criticalThreshold: 0.25 };

/** The sample model's baseline, per bin (samples/models/imdb.onnx, sentimentops.baseline.confidence). */
const BASELINE_COUNTS = [38, 37, 51, 58, 56, 57, 97, 121, 158, 248, 186, 1393];

function liveBuckets(counts: readonly number[]): CumulativeBucket[] {
  let sum = 0;
  const out = CONFIDENCE_EDGES.map((le, i) => ({ le, value: (sum += counts[i]) }));
  return [...out, { le: Infinity, value: sum }];
}

function baselineGauge(counts: readonly number[]): CumulativeBucket[] {
  const n = counts.reduce((s, c) => s + c, 0);
  let sum = 0;
  return CONFIDENCE_EDGES.map((le, i) => ({ le, value: Number(((sum += counts[i]) / n).toFixed(4)) }));
}

const window = (live: readonly number[], over: Partial<WindowData> = {}): WindowData => ({
  buckets: liveBuckets(live),
  baseline: baselineGauge(BASELINE_COUNTS),
  baselineSamples: 2500,
  labels: { negative: 480, positive: 520 },
  baselinePositiveRate: 0.5128,
  ...over,
});

describe('one drift assessment', () => {
  it('reports Healthy with every figure for traffic shaped like the baseline', () => {
    const a = assess(window(BASELINE_COUNTS.map((c) => c * 0.4)), DEFAULTS);
    assert.equal(a.status, 'Healthy');
    assert.ok(a.score !== undefined && a.score < 0.005, `${a.score}`);
    assert.ok(a.jsDistance !== undefined && a.jsDistance < 0.02, `${a.jsDistance}`);
    assert.ok(a.meanConfidence !== undefined && a.meanConfidence > 0.9 && a.meanConfidence < 0.97);
    assert.ok(Math.abs(a.samples - 1000) < 1e-9);
    assert.equal(a.positiveRate, 0.52);
    assert.equal(a.baselinePositiveRate, 0.5128);
    assert.equal(a.floor, noiseFloor(a.samples, 2500));
  });

  it('reports Drifted when confidence collapses', () => {
    const low = [200, 200, 150, 100, 80, 60, 50, 40, 40, 30, 20, 30];
    const a = assess(window(low), DEFAULTS);
    assert.equal(a.status, 'Drifted');
    assert.ok(a.score! > 0.25 && a.jsDistance! > 0.3);
    assert.ok(a.meanConfidence! < 0.75);
  });

  it('is InsufficientData for an empty answer (nothing scraped yet) and below minSamples', () => {
    const empty = assess(window([], { buckets: [] }), DEFAULTS);
    assert.equal(empty.status, 'InsufficientData');
    assert.equal(empty.samples, 0);
    assert.equal(empty.score, undefined);
    assert.equal(empty.meanConfidence, undefined);
    const few = assess(window(BASELINE_COUNTS.map((c) => c * 0.1)), DEFAULTS);
    assert.equal(few.status, 'InsufficientData');
    assert.ok(few.score !== undefined, 'the score is still reported');
  });

  it('is Unknown without a baseline, and uses only the live noise when m is unknown', () => {
    const none = assess(window(BASELINE_COUNTS, { baseline: [] }), DEFAULTS);
    assert.equal(none.status, 'Unknown');
    assert.equal(none.score, undefined);
    assert.ok(none.meanConfidence !== undefined);
    const unsized = assess(window(BASELINE_COUNTS, { baselineSamples: undefined }), DEFAULTS);
    assert.equal(unsized.floor, noiseFloor(2500));
  });

  it('is Unknown, naming the edge, when a histogram breaks the contract', () => {
    const broken = liveBuckets(BASELINE_COUNTS).filter((b) => b.le !== 0.9);
    const a = assess(window([], { buckets: broken }), DEFAULTS);
    assert.equal(a.status, 'Unknown');
    assert.match(a.message, /le="0\.9"/);
    assert.equal(a.positiveRate, 0.52);
  });
});
