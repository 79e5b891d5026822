// The HPA asks for the Pods metric sentiment_requests_per_second; config/prometheus-adapter must serve
// exactly that name, from sentiment_requests_total, per pod. The rule's query itself runs against a
// real Prometheus in test/integration/dashboard.test.ts.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REQUESTS_PER_SECOND_METRIC } from '../../src/resources/hpa';
import { repoRoot } from '../support/cluster';

interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

const read = (file: string): unknown =>
  parse(readFileSync(path.join(repoRoot, 'config', 'prometheus-adapter', file), 'utf8'));
const rules = (read('rules.yaml') as { rules: AdapterRule[] }).rules;
const values = read('values.yaml') as { rules: { default: boolean; custom: AdapterRule[] } };

describe('the prometheus-adapter rule', () => {
  it('serves the metric the HPA builder asks for', () => {
    assert.equal(rules.length, 1);
    assert.equal(rules[0].name.as, REQUESTS_PER_SECOND_METRIC);
    assert.ok(new RegExp(rules[0].name.matches).test('sentiment_requests_total'));
  });

  it('reads sentiment_requests_total of pods, with their namespace and pod labels', () => {
    assert.match(rules[0].seriesQuery, /^sentiment_requests_total\{.*pod!="".*\}$/);
    assert.deepEqual(rules[0].resources.overrides, {
      namespace: { resource: 'namespace' },
      pod: { resource: 'pod' },
    });
  });

  it('is a per-second rate over 2 minutes, grouped as the adapter asks', () => {
    assert.match(
      rules[0].metricsQuery,
      /^sum by \(<<\.GroupBy>>\) \(rate\(<<\.Series>>\{<<\.LabelMatchers>>,/,
    );
    assert.match(rules[0].metricsQuery, /\[2m\]\)\)$/);
  });

  it('is the same rule in the Helm values, beside the chart defaults', () => {
    assert.deepEqual(values.rules.custom, rules);
    assert.equal(values.rules.default, true);
  });
});
