import { strict as assert } from 'node:assert';
import { ALERT_NAMES } from '../../src/alerts/rules';
import { operatorConfig } from '../../src/config';
import { buildPrometheusRule } from '../../src/resources/prometheusrule';
import { FILE_MODEL, sentimentModel } from '../support/models';

const prometheusRule = (monitoring: Record<string, unknown>, latencyThresholdSeconds = 0.25) =>
  buildPrometheusRule(
    sentimentModel({ model: FILE_MODEL, monitoring }),
    operatorConfig({ latencyThresholdSeconds }),
  );

const rules = (monitoring: Record<string, unknown>, latency?: number) =>
  prometheusRule(monitoring, latency)!.spec.groups.flatMap((g) => g.rules);

const exprOf = (alert: string, monitoring: Record<string, unknown> = {}, latency?: number) =>
  rules(monitoring, latency).find((r) => r.alert === alert)!.expr;

describe('the PrometheusRule', () => {
  it('is not built when monitoring.prometheusRule is false', () => {
    assert.equal(prometheusRule({ prometheusRule: false }), undefined);
  });

  it('is a monitoring.coreos.com/v1 PrometheusRule named like the model, in its namespace', () => {
    const p = prometheusRule({})!;
    assert.equal(p.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(p.kind, 'PrometheusRule');
    assert.equal(p.metadata.name, 'imdb');
    assert.equal(p.metadata.namespace, 'ml');
  });

  it('holds every alert once', () => {
    assert.deepEqual(
      rules({})
        .map((r) => r.alert)
        .sort(),
      [...ALERT_NAMES].sort(),
    );
  });

  it('looks only at the series of its own model in its own namespace', () => {
    for (const rule of rules({})) {
      const selectors = rule.expr.match(/\w+\{[^}]*\}/g) ?? [];
      assert.ok(selectors.length > 0, `${rule.alert} selects no series`);
      for (const selector of selectors) {
        assert.match(selector, /namespace="ml"/, `${rule.alert}: ${selector}`);
        assert.match(
          selector,
          /(model|sentimentmodel|service|deployment)="imdb"/,
          `${rule.alert}: ${selector}`,
        );
      }
    }
  });

  it('fires SentimentModelDown from a constant, so it fires when every series of the model is absent', () => {
    assert.match(
      exprOf('SentimentModelDown'),
      /^label_replace\(label_replace\(vector\(1\), "namespace", "ml"/,
    );
  });

  it('checks scrape targets only when its own ServiceMonitor creates them', () => {
    assert.match(
      exprOf('SentimentModelDown', { serviceMonitor: true }),
      /up\{namespace="ml",service="imdb"\}/,
    );
    const unscraped = exprOf('SentimentModelDown', { serviceMonitor: false });
    assert.doesNotMatch(unscraped, /\bup\b/);
    assert.match(unscraped, /kube_deployment_status_replicas_ready\{namespace="ml",deployment="imdb"\} > 0/);
  });

  it('takes the latency threshold from the operator config', () => {
    assert.match(exprOf('SentimentModelHighLatency', {}, 0.5), /\) > 0\.5$/);
    const highLatency = rules({}, 0.5).find((r) => r.alert === 'SentimentModelHighLatency')!;
    assert.match(highLatency.annotations.description, /above 0\.5s/);
  });

  it('refuses a latency threshold that is not a positive number', () => {
    assert.throws(() => prometheusRule({}, 0), RangeError);
    assert.throws(() => prometheusRule({}, Number.NaN), RangeError);
  });

  it('gives every alert a severity, a summary, a description and a runbook link to its section', () => {
    for (const rule of rules({})) {
      assert.ok(['critical', 'warning'].includes(rule.labels.severity), rule.alert);
      assert.ok(rule.annotations.summary.includes('{{ $labels.namespace }}/{{ $labels.model }}'), rule.alert);
      assert.ok(rule.annotations.description.length > 40, rule.alert);
      assert.equal(
        rule.annotations.runbook_url,
        `https://github.com/sentimentops/sentiment-operator/blob/main/docs/alerts.md#${rule.alert.toLowerCase()}`,
      );
    }
  });

  it('carries monitoring.labels so a Prometheus Operator instance selects it', () => {
    const p = prometheusRule({ labels: { release: 'kube-prometheus-stack' } })!;
    assert.equal(p.metadata.labels!.release, 'kube-prometheus-stack');
    assert.equal(p.metadata.labels!['sentimentops.dev/model'], 'imdb');
  });

  it('is owned by the SentimentModel', () => {
    const owner = prometheusRule({})!.metadata.ownerReferences![0];
    assert.equal(owner.kind, 'SentimentModel');
    assert.equal(owner.controller, true);
  });
});
