// The PodDisruptionBudget that keeps one server up through voluntary disruptions (node drains),
// only when the model runs more than one replica: with one, minAvailable 1 would block every drain.
import { selectorLabels } from '../api/names';
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V1PodDisruptionBudget } from './k8s-types';
import { childMeta } from './meta';

/** Fewest replicas the model is guaranteed to run: minReplicas under autoscaling, else replicas. */
export function guaranteedReplicas(sm: SentimentModel): number {
  return sm.spec.autoscaling.enabled ? sm.spec.autoscaling.minReplicas : sm.spec.replicas;
}

export function buildPdb(sm: SentimentModel, _config: OperatorConfig): V1PodDisruptionBudget | undefined {
  if (guaranteedReplicas(sm) <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(sm),
    spec: {
      minAvailable: 1,
      selector: { matchLabels: selectorLabels(sm.metadata.name) },
      // An unready pod serves nothing; evicting it never costs availability.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
