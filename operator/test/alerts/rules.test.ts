import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { ALERT_RULES_FILE, STATIC_PROMETHEUS_RULE_FILE, genericRuleGroups } from '../../src/alerts/manifests';
import { ALERT_NAMES, INFERENCE_ROUTES, SERVER_SERIES, alertRuleGroups } from '../../src/alerts/rules';
import { repoRoot } from '../support/cluster';

const generic = genericRuleGroups().flatMap((g) => g.rules);
const exprOf = (alert: string) => generic.find((r) => r.alert === alert)!.expr;

describe('the alert rules', () => {
  it('query the series the model server exports (@sentiment-operator/contract)', () => {
    assert.deepEqual(SERVER_SERIES, {
      requests: 'sentiment_requests_total',
      durationBucket: 'sentiment_request_duration_seconds_bucket',
      confidenceSum: 'sentiment_prediction_confidence_sum',
      confidenceCount: 'sentiment_prediction_confidence_count',
      modelInfo: 'sentiment_model_info',
    });
  });

  it('count the inference routes as requests, not probes, scrapes or metadata', () => {
    // Prometheus anchors label regexes at both ends.
    const inference = new RegExp(`^(?:${INFERENCE_ROUTES})$`);
    for (const route of ['/predict', '/v2/models/{name}/infer']) assert.match(route, inference);
    for (const route of [
      '/metrics',
      '/v2/health/ready',
      '/v2/models/{name}',
      '/v2/models/{name}/ready',
      'unmatched',
    ]) {
      assert.doesNotMatch(route, inference);
    }
  });

  it('for every model look at every namespace, and add up replicas per (namespace, model)', () => {
    for (const rule of generic) {
      assert.doesNotMatch(rule.expr, /namespace=/, rule.alert);
      assert.match(rule.expr, /by \(namespace, model(, le|, signal)?\)|on \(namespace, model\)/, rule.alert);
    }
  });

  it('raise the drift alerts per signal, naming it and what its shift means', () => {
    for (const alert of ['SentimentModelDrifted', 'SentimentModelDriftWarning']) {
      const rule = generic.find((r) => r.alert === alert)!;
      assert.match(
        rule.expr,
        /^max by \(namespace, model, signal\) \(label_replace\(sentimentops_drift_signal_status\{status="(Drifted|Warning)"\}/,
      );
      assert.match(rule.annotations.summary, /\{\{ \$labels\.signal \}\}$/);
      for (const signal of ['confidence', 'inputTokens', 'unknownTokens', 'positiveRate'])
        assert.ok(
          rule.annotations.description.includes(`eq $labels.signal "${signal}" }}`),
          `${alert} ${signal}`,
        );
      assert.ok(rule.annotations.description.includes('inputs use words the model has not seen'));
    }
    assert.match(
      exprOf('SentimentModelDriftWarning'),
      /\nunless on \(namespace, model\)\nmax by \(namespace, model\) \(label_replace\(sentimentops_drift_status\{status="Drifted"\}/,
    );
  });

  it('for every model watch what the operator reports and what served in the last hour', () => {
    const down = exprOf('SentimentModelDown');
    assert.match(down, /sentimentops_drift_status/);
    assert.match(down, /max_over_time\(sentiment_model_info\[1h\]\)/);
  });

  it('name the same alerts, severities and durations in both scopes', () => {
    const model = alertRuleGroups(
      { kind: 'model', namespace: 'ml', name: 'imdb', scraped: true },
      { latencyThresholdSeconds: 0.25 },
    );
    const shape = (groups: typeof model) =>
      groups.map((g) => [g.name, g.rules.map((r) => [r.alert, r.labels.severity, r.for])]);
    assert.deepEqual(shape(model), shape(genericRuleGroups()));
    assert.deepEqual(
      generic.map((r) => r.alert),
      [...ALERT_NAMES],
    );
  });

  it('ship as one PrometheusRule holding the same groups as the plain rule file', async () => {
    const read = async (file: string) => parse(await readFile(path.join(repoRoot, file), 'utf8')) as unknown;
    const rulesFile = (await read(ALERT_RULES_FILE)) as { groups: unknown };
    const object = (await read(STATIC_PROMETHEUS_RULE_FILE)) as {
      metadata: { name: string };
      spec: { groups: unknown };
    };
    assert.equal(object.metadata.name, 'sentiment-model-alerts');
    assert.deepEqual(object.spec.groups, rulesFile.groups);
  });

  it('each have a runbook section in docs/alerts.md that quotes the current expression', async () => {
    const doc = await readFile(path.join(repoRoot, 'docs', 'alerts.md'), 'utf8');
    const sections = doc.split(/^## /m);
    const sample = alertRuleGroups(
      { kind: 'model', namespace: 'default', name: 'imdb', scraped: true },
      { latencyThresholdSeconds: 0.25 },
    ).flatMap((g) => g.rules);
    for (const alert of ALERT_NAMES) {
      const section = sections.find((s) => s.startsWith(`${alert}\n`));
      assert.ok(section, `no section "## ${alert}"`);
      assert.ok(
        section.includes(`\n${exprOf(alert)}\n`),
        `the section of ${alert} quotes an outdated expression`,
      );
    }
    const down = sample.find((r) => r.alert === 'SentimentModelDown')!.expr;
    assert.ok(doc.includes(`\n${down}\n`), 'the per-model SentimentModelDown example is outdated');
  });
});
