// The child objects a SentimentModel should have, computed purely from its spec, the operator's
// configuration and what the cluster can serve. The reconciler applies `present` and deletes any of
// `absent` that it still owns, so turning a feature off (autoscaling, the ServiceMonitor) removes its
// object instead of leaving it behind.
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V1ObjectMeta } from '../resources/k8s-types';
import { buildDeployment } from '../resources/deployment';
import { buildHpa } from '../resources/hpa';
import { buildPdb } from '../resources/pdb';
import { PROMETHEUS_RULE_API_VERSION, buildPrometheusRule } from '../resources/prometheusrule';
import { buildService } from '../resources/service';
import { SERVICE_MONITOR_API_VERSION, buildServiceMonitor } from '../resources/servicemonitor';

/** An object as the generic API client handles it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: V1ObjectMeta;
  [field: string]: unknown;
}

export interface ChildKind {
  apiVersion: string;
  kind: string;
  /** The resource name in API paths, RBAC rules and metrics. */
  plural: string;
  /** Only served when an optional CRD is installed (the Prometheus Operator's). */
  optional: boolean;
}

export const DEPLOYMENT: ChildKind = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  plural: 'deployments',
  optional: false,
};
export const SERVICE: ChildKind = { apiVersion: 'v1', kind: 'Service', plural: 'services', optional: false };
export const HPA: ChildKind = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  optional: false,
};
export const PDB: ChildKind = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  optional: false,
};
export const SERVICE_MONITOR: ChildKind = {
  apiVersion: SERVICE_MONITOR_API_VERSION,
  kind: 'ServiceMonitor',
  plural: 'servicemonitors',
  optional: true,
};

export const PROMETHEUS_RULE: ChildKind = {
  apiVersion: PROMETHEUS_RULE_API_VERSION,
  kind: 'PrometheusRule',
  plural: 'prometheusrules',
  optional: true,
};

/** Every kind a SentimentModel can own, in the order they are applied (the Deployment first). */
export const CHILD_KINDS: readonly ChildKind[] = [
  DEPLOYMENT,
  SERVICE,
  HPA,
  PDB,
  SERVICE_MONITOR,
  PROMETHEUS_RULE,
];

/** Which optional kinds the API server serves, from discovery. */
export interface Capabilities {
  served: ReadonlySet<string>;
}

export const kindKey = (k: { apiVersion: string; kind: string }): string => `${k.apiVersion}/${k.kind}`;

export interface DesiredChildren {
  present: KubeObject[];
  /** Kinds the spec does not want (or the cluster cannot serve); delete them if the model owns one. */
  absent: ChildKind[];
  /** Wanted but not served, e.g. a ServiceMonitor without the Prometheus Operator: said in the status. */
  unserved: ChildKind[];
}

type Builder = (sm: SentimentModel, config: OperatorConfig) => object | undefined;

const BUILDERS: readonly [ChildKind, Builder][] = [
  [DEPLOYMENT, buildDeployment],
  [SERVICE, buildService],
  [HPA, buildHpa],
  [PDB, buildPdb],
  [SERVICE_MONITOR, buildServiceMonitor],
  [PROMETHEUS_RULE, buildPrometheusRule],
];

export function desiredChildren(
  sm: SentimentModel,
  config: OperatorConfig,
  capabilities: Capabilities,
): DesiredChildren {
  const result: DesiredChildren = { present: [], absent: [], unserved: [] };
  for (const [kind, build] of BUILDERS) {
    const served = !kind.optional || capabilities.served.has(kindKey(kind));
    const object = build(sm, config) as KubeObject | undefined;
    if (object && served) result.present.push(object);
    else if (served) result.absent.push(kind);
    else if (object) result.unserved.push(kind);
  }
  return result;
}
