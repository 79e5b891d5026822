// The alert definitions, once, for two scopes: one SentimentModel (the per-model PrometheusRule the
// operator writes) and every SentimentModel at once (the static copy under config/prometheus/ for
// clusters that prefer one rule set). Both scopes produce the same alerts with the same labels
// (`namespace`, `model`, `severity`), so one Alertmanager route or inhibition serves either.
// Pure: the PromQL is text; docs/alerts.md is the runbook and config/prometheus/tests proves it.
import { DRIFT_SIGNALS, SERVER_METRICS } from '@sentiment-operator/contract';
import { meaningOf } from '../drift/signals';
import { OPERATOR_METRICS } from '../observability/metrics';

/** Series of the model server the alerts query, from the contract both sides import (docs/metrics.md). */
export const SERVER_SERIES = {
  requests: SERVER_METRICS.requests,
  durationBucket: `${SERVER_METRICS.requestDuration}_bucket`,
  confidenceSum: `${SERVER_METRICS.confidence}_sum`,
  confidenceCount: `${SERVER_METRICS.confidence}_count`,
  modelInfo: SERVER_METRICS.modelInfo,
} as const;

/** kube-state-metrics (part of kube-prometheus-stack): ready replicas of each Deployment. */
export const READY_REPLICAS_SERIES = 'kube_deployment_status_replicas_ready';

/**
 * The `route` labels of inference requests (/predict and the v2 infer route). Latency and error
 * rate look at these only: probes and scrapes are not what users wait for, and a failing readiness
 * probe is SentimentModelDown's business.
 */
export const INFERENCE_ROUTES = '/predict|/v2/models/.+/infer';

export const RUNBOOK_BASE_URL = 'https://github.com/sentimentops/sentiment-operator/blob/main/docs/alerts.md';

/** Fixed thresholds; the latency threshold is the operator's setting (OperatorConfig). */
export const ALERT_THRESHOLDS = {
  /** mean of max(p, 1-p) below which predictions are close to coin flips */
  meanConfidence: 0.6,
  /** below this many predictions in the 15m window, a mean confidence says too little */
  minPredictions: 100,
  /** fraction of inference requests answered 5xx */
  errorRatio: 0.01,
  /** fewest 5xx answers in the 5m window before the ratio counts (tiny traffic) */
  minErrors: 5,
} as const;

export const ALERT_NAMES = [
  'SentimentModelDrifted',
  'SentimentModelDriftWarning',
  'SentimentModelLowConfidence',
  'SentimentModelHighLatency',
  'SentimentModelErrorRate',
  'SentimentModelDown',
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export type Severity = 'critical' | 'warning';

export interface AlertingRule {
  alert: AlertName;
  expr: string;
  for: string;
  labels: { severity: Severity };
  annotations: { summary: string; description: string; runbook_url: string };
}

/** A Prometheus rule group: the shape of a rule file's `groups:` and of PrometheusRule spec.groups. */
export interface RuleGroup {
  name: string;
  rules: AlertingRule[];
}

/** Whose series the alerts look at. */
export type AlertScope =
  | { kind: 'all' }
  | {
      kind: 'model';
      namespace: string;
      name: string;
      /**
       * A ServiceMonitor scrapes the model, so `up{namespace, service=name}` exists. Without one the
       * scrape (if any) is the user's own, and SentimentModelDown looks at ready replicas only.
       */
      scraped: boolean;
    };

export interface AlertOptions {
  /** p95 inference latency above which SentimentModelHighLatency fires, in seconds. */
  latencyThresholdSeconds: number;
}

export function runbookUrl(alert: AlertName): string {
  return `${RUNBOOK_BASE_URL}#${alert.toLowerCase()}`;
}

// Every scope's names are DNS labels; JSON's escaping is also valid PromQL string escaping.
const quote = (value: string): string => JSON.stringify(value);

/** `metric{...}`: in the model scope its namespace and name (held in `nameLabel`) come first. */
function series(metric: string, scope: AlertScope, nameLabel: string, extra: string[] = []): string {
  const own =
    scope.kind === 'model'
      ? [`namespace=${quote(scope.namespace)}`, `${nameLabel}=${quote(scope.name)}`]
      : [];
  const matchers = [...own, ...extra];
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(',')}}`;
}

/** Copies label `from` into `model`, so every alert carries the same (namespace, model) pair. */
const asModel = (expr: string, from: string): string =>
  `label_replace(${expr}, "model", "$1", "${from}", "(.+)")`;

const indent = (text: string): string => text.replace(/^/gm, '  ');

const WHO = '{{ $labels.namespace }}/{{ $labels.model }}';

function driftStatus(scope: AlertScope, status: 'Drifted' | 'Warning'): string {
  const s = series(OPERATOR_METRICS.driftStatus, scope, 'sentimentmodel', [`status="${status}"`]);
  // max by: the operator's own pod and instance labels change when it restarts or fails over.
  return `max by (namespace, model) (${asModel(s, 'sentimentmodel')}) == 1`;
}

/**
 * One series per (namespace, model, signal) whose confirmed state is `status`: the drift alerts fire
 * per signal, so their `signal` label and annotations say which signal moved. The model's status is
 * the worst of its signals' (drift/combine.ts), so a model is Drifted exactly when one of its signals
 * is. A signal's Warning is left out while the model is Drifted: SentimentModelDrifted takes over.
 */
function driftSignals(scope: AlertScope, status: 'Drifted' | 'Warning'): string {
  const s = series(OPERATOR_METRICS.driftSignalStatus, scope, 'sentimentmodel', [`status="${status}"`]);
  const signals = `max by (namespace, model, signal) (${asModel(s, 'sentimentmodel')}) == 1`;
  if (status === 'Drifted') return signals;
  return [signals, 'unless on (namespace, model)', driftStatus(scope, 'Drifted')].join('\n');
}

/** What a shift of the alert's signal means (drift/signals.ts meaningOf), as a Go template on its label. */
const SIGNAL_MEANING = `${DRIFT_SIGNALS.map(
  (signal, i) => `{{ ${i === 0 ? 'if' : 'else if'} eq $labels.signal "${signal}" }}${meaningOf(signal)}`,
).join('')}{{ else }}see status.drift.signals{{ end }}`;

function meanConfidence(scope: AlertScope): string {
  const increase = (metric: string) =>
    `sum by (namespace, model) (increase(${series(metric, scope, 'model')}[15m]))`;
  const { meanConfidence: threshold, minPredictions } = ALERT_THRESHOLDS;
  return [
    '(',
    indent(increase(SERVER_SERIES.confidenceSum)),
    '  /',
    indent(increase(SERVER_SERIES.confidenceCount)),
    `) < ${threshold}`,
    'and',
    `${increase(SERVER_SERIES.confidenceCount)} >= ${minPredictions}`,
  ].join('\n');
}

function p95Latency(scope: AlertScope, threshold: number): string {
  const buckets = series(SERVER_SERIES.durationBucket, scope, 'model', [`route=~"${INFERENCE_ROUTES}"`]);
  return [
    'histogram_quantile(',
    '  0.95,',
    `  sum by (namespace, model, le) (rate(${buckets}[5m]))`,
    `) > ${threshold}`,
  ].join('\n');
}

function errorRatio(scope: AlertScope): string {
  const routes = `route=~"${INFERENCE_ROUTES}"`;
  const all = series(SERVER_SERIES.requests, scope, 'model', [routes]);
  const failed = series(SERVER_SERIES.requests, scope, 'model', ['code=~"5.."', routes]);
  const { errorRatio: threshold, minErrors } = ALERT_THRESHOLDS;
  // No traffic makes the ratio 0/0 = NaN, which no comparison passes; the error count keeps a
  // handful of failures among a handful of requests from paging anyone.
  return [
    '(',
    `  sum by (namespace, model) (rate(${failed}[5m]))`,
    '  /',
    `  sum by (namespace, model) (rate(${all}[5m]))`,
    `) > ${threshold}`,
    'and',
    `sum by (namespace, model) (increase(${failed}[5m])) >= ${minErrors}`,
  ].join('\n');
}

/** The models SentimentModelDown watches: one (namespace, model) series each, value 1. */
function watchedModels(scope: AlertScope): string {
  if (scope.kind === 'model') {
    // A constant: the rule knows its model, so it fires even when every series of it is absent.
    const ns = `label_replace(vector(1), "namespace", ${quote(scope.namespace)}, "", "")`;
    return `label_replace(${ns}, "model", ${quote(scope.name)}, "", "")`;
  }
  // Every model the operator reports drift for, and every Deployment that served a model in the
  // last hour and still exists (so a deleted model stops being watched at once).
  return [
    'group by (namespace, model) (',
    `  ${asModel(OPERATOR_METRICS.driftStatus, 'sentimentmodel')}`,
    '  or',
    '  (',
    `    max_over_time(${SERVER_SERIES.modelInfo}[1h])`,
    '    and on (namespace, model)',
    `    ${asModel(READY_REPLICAS_SERIES, 'deployment')}`,
    '  )',
    ')',
  ].join('\n');
}

function down(scope: AlertScope): string {
  const ready = asModel(`${series(READY_REPLICAS_SERIES, scope, 'deployment')} > 0`, 'deployment');
  const up = asModel(`${series('up', scope, 'service')} == 1`, 'service');
  const serving =
    scope.kind === 'model' && !scope.scraped ? [ready] : [ready, 'and on (namespace, model)', up];
  return [watchedModels(scope), 'unless on (namespace, model)', '(', ...serving.map(indent), ')'].join('\n');
}

function rule(
  alert: AlertName,
  severity: Severity,
  duration: string,
  expr: string,
  summary: string,
  description: string,
): AlertingRule {
  return {
    alert,
    expr,
    for: duration,
    labels: { severity },
    annotations: { summary, description, runbook_url: runbookUrl(alert) },
  };
}

/** The alert rule groups for `scope`. */
export function alertRuleGroups(scope: AlertScope, options: AlertOptions): RuleGroup[] {
  const latency = options.latencyThresholdSeconds;
  if (!Number.isFinite(latency) || latency <= 0) {
    throw new RangeError(`latencyThresholdSeconds must be a positive number, not ${latency}`);
  }
  const { meanConfidence: confidence, errorRatio: ratio } = ALERT_THRESHOLDS;
  return [
    {
      name: 'sentiment-model-quality',
      rules: [
        rule(
          'SentimentModelDrifted',
          'critical',
          '10m',
          driftSignals(scope, 'Drifted'),
          `SentimentModel ${WHO} has drifted: {{ $labels.signal }}`,
          `The operator has rated the {{ $labels.signal }} signal of ${WHO} Drifted for 10 minutes: ${SIGNAL_MEANING}. ` +
            'Its live distribution is far (score above the critical threshold) from the one the model was validated on; ' +
            'predictions may be wrong. See status.drift.signals on the SentimentModel.',
        ),
        rule(
          'SentimentModelDriftWarning',
          'warning',
          '30m',
          driftSignals(scope, 'Warning'),
          `SentimentModel ${WHO} is drifting: {{ $labels.signal }}`,
          `The operator has rated the {{ $labels.signal }} signal of ${WHO} Warning for 30 minutes: ${SIGNAL_MEANING}. ` +
            'Its live distribution has moved (score above the warning threshold) from the one the model was validated on. ' +
            'See status.drift.signals on the SentimentModel.',
        ),
        rule(
          'SentimentModelLowConfidence',
          'warning',
          '5m',
          meanConfidence(scope),
          `SentimentModel ${WHO} predicts with low confidence`,
          `The mean confidence of the predictions of ${WHO} over the last 15 minutes is ` +
            `{{ $value | printf "%.3f" }}, below ${confidence}: many predictions are close to a coin flip.`,
        ),
      ],
    },
    {
      name: 'sentiment-model-serving',
      rules: [
        rule(
          'SentimentModelHighLatency',
          'warning',
          '10m',
          p95Latency(scope, latency),
          `SentimentModel ${WHO} answers slowly`,
          `The 95th percentile latency of inference requests to ${WHO} is {{ $value | humanizeDuration }}, ` +
            `above ${latency}s, for 10 minutes.`,
        ),
        rule(
          'SentimentModelErrorRate',
          'critical',
          '5m',
          errorRatio(scope),
          `SentimentModel ${WHO} fails requests`,
          `{{ $value | humanizePercentage }} of the inference requests to ${WHO} over the last 5 minutes ` +
            `failed with a 5xx status (threshold ${ratio * 100}%).`,
        ),
        rule(
          'SentimentModelDown',
          'critical',
          '5m',
          down(scope),
          `SentimentModel ${WHO} is down`,
          scope.kind === 'model' && !scope.scraped
            ? `${WHO} has had no ready replica for 5 minutes: nothing serves its predictions.`
            : `${WHO} has had no ready replica, or no server that Prometheus could scrape, for 5 minutes: ` +
                'nothing serves its predictions.',
        ),
      ],
    },
  ];
}
