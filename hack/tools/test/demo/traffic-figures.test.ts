import { strict as assert } from 'node:assert';
import { parseMetrics, type Sample } from '@sentiment-operator/contract';
import { CONFIDENCE_EDGES } from '@sentiment-operator/operator/dist/src/drift/bins';
import { smoothedPsi } from '@sentiment-operator/operator/dist/src/drift/psi';
import { bucketIncrease, trafficFigures } from '../../src/demo/traffic-figures';

const BASELINE_COUNTS = [38, 37, 51, 58, 56, 57, 97, 121, 158, 248, 186, 1393];
const fractions = (counts: readonly number[]): number[] => {
  const n = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => c / n);
};

/** A model server's /metrics text for per-bin `counts`, in the shape prom-client writes it. */
function exposition(model: string, counts: readonly number[], sum: number, positive: number): string {
  const labels = `model="${model}",model_version="nblr-test"`;
  const lines: string[] = [];
  let cumulative = 0;
  const baselineN = BASELINE_COUNTS.reduce((s, c) => s + c, 0);
  let baseline = 0;
  CONFIDENCE_EDGES.forEach((le, i) => {
    cumulative += counts[i];
    baseline += BASELINE_COUNTS[i];
    lines.push(`sentiment_prediction_confidence_bucket{le="${le}",${labels}} ${cumulative}`);
    lines.push(
      `sentiment_baseline_ratio{signal="confidence",le="${le}",${labels}} ${(baseline / baselineN).toFixed(4)}`,
    );
    // another signal's baseline on the same gauge, which the confidence figures must not read
    lines.push(`sentiment_baseline_ratio{signal="unknownTokens",le="${le}",${labels}} 0.5`);
  });
  lines.push(`sentiment_prediction_confidence_bucket{le="+Inf",${labels}} ${cumulative}`);
  lines.push(`sentiment_prediction_confidence_sum{${labels}} ${sum}`);
  lines.push(`sentiment_prediction_confidence_count{${labels}} ${cumulative}`);
  lines.push(`sentiment_predictions_total{label="positive",${labels}} ${positive}`);
  lines.push(`sentiment_predictions_total{label="negative",${labels}} ${cumulative - positive}`);
  lines.push(`sentiment_baseline_samples{${labels}} ${baselineN}`);
  return lines.join('\n');
}

const scrape = (model: string, counts: readonly number[], sum: number, positive: number): Sample[] =>
  parseMetrics(exposition(model, counts, sum, positive));

describe('demo traffic figures from two scrapes', () => {
  const before = [5, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 9];
  const sent = [10, 10, 20, 20, 20, 20, 40, 50, 60, 100, 70, 580];
  const after = before.map((c, i) => c + sent[i]);

  it('takes the difference of the cumulative buckets, +Inf included', () => {
    const increase = bucketIncrease(scrape('m', before, 10, 5), scrape('m', after, 900, 505), 'm');
    assert.equal(increase.length, CONFIDENCE_EDGES.length + 1);
    assert.equal(increase.find((b) => b.le === Infinity)?.value, 1000);
    assert.equal(increase.find((b) => b.le === 0.55)?.value, 10);
    assert.equal(increase.find((b) => b.le === 1)?.value, 1000);
  });

  it('computes PSI on the increase only, smoothed as the operator does', () => {
    const f = trafficFigures(scrape('m', before, 10, 5), scrape('m', after, 910, 505), 'm');
    assert.equal(f.n, 1000);
    const expected = smoothedPsi(fractions(sent), 1000, fractions(BASELINE_COUNTS), 2500);
    assert.ok(Math.abs(f.psi - expected) < 1e-3, `PSI ${f.psi}, expected ${expected}`);
    assert.ok(Math.abs(f.meanConfidence - 0.9) < 1e-12);
    assert.ok(Math.abs(f.positiveRate - 0.5) < 1e-12);
  });

  it('gives a small PSI for traffic shaped like the baseline and a large one for unsure traffic', () => {
    const empty = new Array<number>(12).fill(0);
    const like = trafficFigures(scrape('m', empty, 0, 0), scrape('m', BASELINE_COUNTS, 2350, 1282), 'm');
    assert.ok(like.psi < 0.001, `PSI ${like.psi}`);
    const unsure = [400, 400, 300, 200, 100, 50, 20, 10, 5, 5, 5, 5];
    const shifted = trafficFigures(scrape('m', empty, 0, 0), scrape('m', unsure, 900, 700), 'm');
    assert.ok(shifted.psi > 1, `PSI ${shifted.psi}`);
  });

  it("ignores other models' series", () => {
    const mixed = (counts: readonly number[], sum: number, positive: number): Sample[] => [
      ...scrape('m', counts, sum, positive),
      ...scrape(
        'other',
        counts.map((c) => c * 7),
        sum * 7,
        positive * 7,
      ),
    ];
    const f = trafficFigures(mixed(before, 10, 5), mixed(after, 910, 505), 'm');
    assert.equal(f.n, 1000);
    assert.ok(Math.abs(f.positiveRate - 0.5) < 1e-12);
  });

  it('refuses to judge when nothing was predicted between the scrapes', () => {
    assert.throws(
      () => trafficFigures(scrape('m', before, 10, 5), scrape('m', before, 10, 5), 'm'),
      /no predictions/,
    );
  });
});
