import { strict as assert } from 'node:assert';
import { HISTOGRAM_SIGNALS, type HistogramSignal } from '@sentiment-operator/contract';
import {
  DriftThresholds,
  HistogramWindow,
  WindowData,
  assess,
  assessHistogram,
  assessPositiveRate,
  failedAssessment,
} from '../../src/drift/assess';
import { CumulativeBucket } from '../../src/drift/bins';
import { noiseFloor, proportionNoiseFloor } from '../../src/drift/noise-floor';

const DEFAULTS: DriftThresholds = { minSamples: 500, warningThreshold: 0.1, criticalThreshold: 0.25 };

/** The sample model's baseline, per bin (samples/models/imdb.onnx, sentimentops.baseline.confidence). */
const BASELINE_COUNTS = [38, 37, 51, 58, 56, 57, 97, 121, 158, 248, 186, 1393];
/** Illustrative baselines of the input signals: long reviews, almost every word known. */
const TOKENS_BASELINE = [0, 2, 5, 10, 20, 40, 90, 150, 700, 900, 500, 83];
const UNKNOWN_BASELINE = [600, 900, 500, 250, 120, 60, 40, 20, 7, 3];

const edges = (signal: HistogramSignal): readonly number[] => HISTOGRAM_SIGNALS[signal].buckets;

/** `sum by (le)` of per-bin counts, with `overflow` above the last edge (only in +Inf). */
function liveBuckets(counts: readonly number[], signal: HistogramSignal = 'confidence', overflow = 0) {
  let sum = 0;
  const out: CumulativeBucket[] = edges(signal).map((le, i) => ({ le, value: (sum += counts[i]) }));
  return [...out, { le: Infinity, value: sum + overflow }];
}

/** The baseline gauge: cumulative ratios rounded to 4 decimals, as the trainer writes them. */
function baselineGauge(counts: readonly number[], signal: HistogramSignal = 'confidence') {
  const n = counts.reduce((s, c) => s + c, 0);
  let sum = 0;
  return edges(signal).map((le, i) => ({ le, value: Number(((sum += counts[i]) / n).toFixed(4)) }));
}

const histogram = (
  signal: HistogramSignal,
  live: readonly number[],
  baseline: readonly number[],
): HistogramWindow => ({ buckets: liveBuckets(live, signal), baseline: baselineGauge(baseline, signal) });

const scaled = (counts: readonly number[], f: number): number[] => counts.map((c) => c * f);

const window = (live: readonly number[], over: Partial<WindowData> = {}): WindowData => ({
  histograms: {
    confidence: histogram('confidence', live, BASELINE_COUNTS),
    inputTokens: histogram('inputTokens', scaled(TOKENS_BASELINE, 0.4), TOKENS_BASELINE),
    unknownTokens: histogram('unknownTokens', scaled(UNKNOWN_BASELINE, 0.4), UNKNOWN_BASELINE),
  },
  baselineSamples: 2500,
  labels: { negative: 480, positive: 520 },
  baselinePositiveRate: 0.5128,
  ...over,
});

const signal = (a: ReturnType<typeof assess>, name: string) => {
  const found = a.signals.find((s) => s.signal === name);
  assert.ok(found, `no signal ${name} in ${a.signals.map((s) => s.signal).join(', ')}`);
  return found;
};

describe('one drift assessment', () => {
  it('evaluates every signal, in the contract order, on traffic shaped like the baseline', () => {
    const a = assess(window(scaled(BASELINE_COUNTS, 0.4)), DEFAULTS);
    assert.deepEqual(
      a.signals.map((s) => [s.signal, s.status]),
      [
        ['confidence', 'Healthy'],
        ['inputTokens', 'Healthy'],
        ['unknownTokens', 'Healthy'],
        ['positiveRate', 'Healthy'],
      ],
    );
    const confidence = signal(a, 'confidence');
    assert.ok(confidence.score !== undefined && confidence.score < 0.005, `${confidence.score}`);
    assert.ok(a.jsDistance !== undefined && a.jsDistance < 0.02, `${a.jsDistance}`);
    assert.ok(a.meanConfidence !== undefined && a.meanConfidence > 0.9 && a.meanConfidence < 0.97);
    assert.ok(Math.abs(a.samples - 1000) < 1e-9);
    assert.equal(a.positiveRate, 0.52);
    assert.equal(a.baselinePositiveRate, 0.5128);
    assert.equal(confidence.floor, noiseFloor(confidence.samples, 2500));
  });

  it('keeps confidence on spec.drift thresholds exactly, as before there were other signals', () => {
    const low = [200, 200, 150, 100, 80, 60, 50, 40, 40, 30, 20, 30];
    const a = assess(window(low), DEFAULTS);
    const confidence = signal(a, 'confidence');
    assert.equal(confidence.status, 'Drifted');
    assert.deepEqual([confidence.warningThreshold, confidence.criticalThreshold], [0.1, 0.25]);
    assert.ok(confidence.score! > 0.25 && a.jsDistance! > 0.3);
    assert.ok(a.meanConfidence! < 0.75);
    assert.match(confidence.message, /^PSI \d\.\d{4} is above the critical threshold 0\.2500$/);
  });

  it('is InsufficientData for an empty answer (nothing scraped yet) and below minSamples', () => {
    const empty = assess(
      window([], { histograms: { confidence: { buckets: [], baseline: baselineGauge(BASELINE_COUNTS) } } }),
      DEFAULTS,
    );
    assert.equal(signal(empty, 'confidence').status, 'InsufficientData');
    assert.equal(signal(empty, 'confidence').samples, 0);
    assert.equal(signal(empty, 'confidence').score, undefined);
    assert.equal(empty.meanConfidence, undefined);
    const few = assess(window(scaled(BASELINE_COUNTS, 0.1)), DEFAULTS);
    assert.equal(signal(few, 'confidence').status, 'InsufficientData');
    assert.ok(signal(few, 'confidence').score !== undefined, 'the score is still reported');
  });

  it('is NoBaseline for a signal the model file has no baseline for, and uses only the live noise when m is unknown', () => {
    const data = window(BASELINE_COUNTS);
    data.histograms.unknownTokens = { buckets: liveBuckets(UNKNOWN_BASELINE, 'unknownTokens'), baseline: [] };
    const a = assess({ ...data, baselinePositiveRate: undefined }, DEFAULTS);
    assert.equal(signal(a, 'unknownTokens').status, 'NoBaseline');
    assert.match(
      signal(a, 'unknownTokens').message,
      /sentiment_baseline_ratio\{signal="unknownTokens"\} is absent/,
    );
    assert.equal(signal(a, 'unknownTokens').score, undefined);
    assert.equal(signal(a, 'positiveRate').status, 'NoBaseline');
    assert.equal(signal(a, 'confidence').status, 'Healthy');
    const unsized = assess(window(BASELINE_COUNTS, { baselineSamples: undefined }), DEFAULTS);
    assert.equal(signal(unsized, 'confidence').floor, noiseFloor(2500));
  });

  it('is Unknown, naming the signal and the edge, when a histogram breaks the contract', () => {
    const data = window(BASELINE_COUNTS);
    data.histograms.inputTokens = {
      buckets: liveBuckets(TOKENS_BASELINE, 'inputTokens').filter((b) => b.le !== 64),
      baseline: baselineGauge(TOKENS_BASELINE, 'inputTokens'),
    };
    const a = assess(data, DEFAULTS);
    assert.equal(signal(a, 'inputTokens').status, 'Unknown');
    assert.equal(signal(a, 'inputTokens').message, 'inputTokens histogram: no bucket le="64"');
    assert.equal(signal(a, 'confidence').status, 'Healthy', 'the other signals are still evaluated');
    assert.equal(a.positiveRate, 0.52);
  });

  it('evaluates only the enabled signals, with their own thresholds where given', () => {
    const a = assess(window(BASELINE_COUNTS), {
      ...DEFAULTS,
      signals: {
        confidence: { enabled: false },
        unknownTokens: { enabled: true, criticalThreshold: 0.5 },
        positiveRate: { enabled: true, warningThreshold: 0.05 },
      },
    });
    assert.deepEqual(
      a.signals.map((s) => [s.signal, s.warningThreshold, s.criticalThreshold]),
      [
        ['inputTokens', 0.1, 0.25],
        ['unknownTokens', 0.1, 0.5],
        ['positiveRate', 0.05, 0.2],
      ],
    );
    assert.equal(a.meanConfidence, undefined, 'confidence figures only with the confidence signal');
  });

  it('reports every enabled signal Unknown with the error when the queries failed', () => {
    const a = failedAssessment(DEFAULTS, 'Prometheus at http://p:9090 is unreachable: ECONNREFUSED');
    assert.deepEqual(
      a.signals.map((s) => [s.signal, s.status]),
      ['confidence', 'inputTokens', 'unknownTokens', 'positiveRate'].map((s) => [s, 'Unknown']),
    );
    assert.ok(a.signals.every((s) => /ECONNREFUSED/.test(s.message)));
  });
});

describe('the input-length signal (inputTokens)', () => {
  const settings = { signal: 'inputTokens' as const, warningThreshold: 0.1, criticalThreshold: 0.25 };
  const run = (live: readonly number[], overflow = 0) =>
    assessHistogram(
      settings,
      {
        buckets: liveBuckets(live, 'inputTokens', overflow),
        baseline: baselineGauge(TOKENS_BASELINE, 'inputTokens'),
      },
      2500,
      500,
    );

  it('bins by its 12 edges, folding texts above 1024 tokens into the last bin', () => {
    const { live, assessment } = run(scaled(TOKENS_BASELINE, 0.4), 30);
    assert.equal(live?.counts.length, 12);
    assert.ok(Math.abs(live!.counts[11] - (83 * 0.4 + 30)) < 1e-9);
    assert.ok(Math.abs(assessment.samples - (1000 + 30)) < 1e-9);
    assert.equal(assessment.floor, noiseFloor(assessment.samples, 2500, 12));
  });

  it('is Healthy for reviews of the usual length and Drifted when clients send titles', () => {
    assert.equal(run(scaled(TOKENS_BASELINE, 0.4)).assessment.status, 'Healthy');
    const titles = [300, 400, 200, 60, 20, 10, 5, 5, 0, 0, 0, 0];
    const shifted = run(titles).assessment;
    assert.equal(shifted.status, 'Drifted');
    assert.ok(shifted.score! > 5, `PSI ${shifted.score}`);
  });
});

describe('the unknown-token signal (unknownTokens)', () => {
  const settings = { signal: 'unknownTokens' as const, warningThreshold: 0.1, criticalThreshold: 0.25 };
  const run = (live: readonly number[]) =>
    assessHistogram(
      settings,
      {
        buckets: liveBuckets(live, 'unknownTokens'),
        baseline: baselineGauge(UNKNOWN_BASELINE, 'unknownTokens'),
      },
      2500,
      500,
    );

  it('bins by its 10 edges, the first (le="0") holding the texts whose every token is known', () => {
    const counts = [100, 90, 80, 70, 60, 50, 40, 30, 20, 10];
    const { live } = run(counts);
    assert.deepEqual(live?.counts, counts);
    assert.equal(run(counts).assessment.floor, noiseFloor(550, 2500, 10));
    assert.ok(noiseFloor(550, 2500, 10) < noiseFloor(550, 2500, 12), 'fewer bins, fewer degrees of freedom');
  });

  it('is Drifted when a new domain brings words the model has not seen', () => {
    const newDomain = [50, 100, 150, 200, 150, 100, 100, 80, 50, 20];
    const a = run(newDomain).assessment;
    assert.equal(a.status, 'Drifted');
    assert.equal(run(scaled(UNKNOWN_BASELINE, 0.5)).assessment.status, 'Healthy');
  });
});

describe('the positive-rate signal (positiveRate)', () => {
  const settings = { signal: 'positiveRate' as const, warningThreshold: 0.1, criticalThreshold: 0.2 };
  const run = (positive: number, negative: number, baseline: number | undefined = 0.5, m = 2500) =>
    assessPositiveRate(settings, { positive, negative }, baseline, m, 500);

  it('scores |live − baseline| share of positive predictions', () => {
    const a = run(560, 440, 0.5128);
    assert.ok(Math.abs(a.score! - 0.0472) < 1e-12);
    assert.equal(a.status, 'Healthy');
    assert.equal(a.samples, 1000);
    assert.match(a.message, /^shift 0\.0472 is below the warning threshold 0\.1000$/);
  });

  it('is Warning from a shift of 0.1 and Drifted above 0.2, either way', () => {
    assert.equal(run(610, 390).status, 'Warning');
    assert.equal(run(390, 610).status, 'Warning');
    assert.equal(run(710, 290).status, 'Drifted');
    assert.equal(run(280, 720).status, 'Drifted');
  });

  it('lifts its thresholds to the noise of a small window', () => {
    const floor = proportionNoiseFloor(100, 0.5, 2500);
    assert.ok(floor > 0.16 && floor < 0.17, `${floor}`);
    const a = assessPositiveRate(settings, { positive: 63, negative: 37 }, 0.5, 2500, 100);
    assert.equal(a.status, 'Healthy');
    assert.match(a.message, /lifted to the noise floor 0\.16\d\d for n=100/);
  });

  it('is NoBaseline without sentiment_baseline_positive_rate and InsufficientData below minSamples', () => {
    assert.equal(
      assessPositiveRate(settings, { positive: 500, negative: 500 }, undefined, 2500, 500).status,
      'NoBaseline',
    );
    assert.equal(run(100, 100).status, 'InsufficientData');
    assert.equal(assessPositiveRate(settings, undefined, 0.5, 2500, 500).status, 'InsufficientData');
  });
});
