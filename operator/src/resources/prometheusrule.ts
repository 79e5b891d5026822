// The Prometheus Operator PrometheusRule with a SentimentModel's alerts, when
// spec.monitoring.prometheusRule. Whether the monitoring.coreos.com CRD exists is the reconciler's call.
import { type RuleGroup, alertRuleGroups } from '../alerts/rules';
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V1ObjectMeta } from './k8s-types';
import { childMeta } from './meta';

export const PROMETHEUS_RULE_API_VERSION = 'monitoring.coreos.com/v1';

/** The part of monitoring.coreos.com/v1 PrometheusRule the operator writes. */
export interface PrometheusRule {
  apiVersion: typeof PROMETHEUS_RULE_API_VERSION;
  kind: 'PrometheusRule';
  metadata: V1ObjectMeta;
  spec: { groups: RuleGroup[] };
}

export function buildPrometheusRule(sm: SentimentModel, config: OperatorConfig): PrometheusRule | undefined {
  const m = sm.spec.monitoring;
  if (!m.prometheusRule) return undefined;
  const scope = {
    kind: 'model',
    namespace: sm.metadata.namespace,
    name: sm.metadata.name,
    scraped: m.serviceMonitor,
  } as const;
  return {
    apiVersion: PROMETHEUS_RULE_API_VERSION,
    kind: 'PrometheusRule',
    // monitoring.labels carry e.g. kube-prometheus-stack's `release`, which its ruleSelector matches.
    metadata: childMeta(sm, m.labels),
    spec: { groups: alertRuleGroups(scope, { latencyThresholdSeconds: config.latencyThresholdSeconds }) },
  };
}
