// The HorizontalPodAutoscaler (autoscaling/v2) of a SentimentModel, when spec.autoscaling.enabled.
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V2HorizontalPodAutoscaler, V2MetricSpec } from './k8s-types';
import { childMeta } from './meta';

/** The per-pod request rate prometheus-adapter serves from sentiment_requests_total. */
export const REQUESTS_PER_SECOND_METRIC = 'sentiment_requests_per_second';

/** A number as a Kubernetes quantity: whole numbers as is, fractions in milli-units (0.5 → 500m). */
export function decimalQuantity(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return `${Math.round(value * 1000)}m`;
}

export function buildHpa(sm: SentimentModel, _config: OperatorConfig): V2HorizontalPodAutoscaler | undefined {
  const a = sm.spec.autoscaling;
  if (!a.enabled) return undefined;
  const metrics: V2MetricSpec[] = [];
  if (a.targetCPUUtilization !== undefined) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetCPUUtilization } },
    });
  }
  if (a.targetRequestsPerSecond !== undefined) {
    metrics.push({
      type: 'Pods',
      pods: {
        metric: { name: REQUESTS_PER_SECOND_METRIC },
        target: { type: 'AverageValue', averageValue: decimalQuantity(a.targetRequestsPerSecond) },
      },
    });
  }
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(sm),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: sm.metadata.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics,
      behavior: { scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds } },
    },
  };
}
