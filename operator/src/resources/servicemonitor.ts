// The Prometheus Operator ServiceMonitor that scrapes a SentimentModel's servers, when
// spec.monitoring.serviceMonitor. Whether the monitoring.coreos.com CRD exists is the reconciler's call.
import { selectorLabels } from '../api/names';
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V1ObjectMeta } from './k8s-types';
import { HTTP_PORT_NAME, childMeta } from './meta';

export const SERVICE_MONITOR_API_VERSION = 'monitoring.coreos.com/v1';

/** The part of monitoring.coreos.com/v1 ServiceMonitor the operator writes. */
export interface ServiceMonitor {
  apiVersion: typeof SERVICE_MONITOR_API_VERSION;
  kind: 'ServiceMonitor';
  metadata: V1ObjectMeta;
  spec: {
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string; scheme: 'http'; interval: string; scrapeTimeout?: string }[];
  };
}

export function buildServiceMonitor(sm: SentimentModel, _config: OperatorConfig): ServiceMonitor | undefined {
  const m = sm.spec.monitoring;
  if (!m.serviceMonitor) return undefined;
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: 'ServiceMonitor',
    metadata: childMeta(sm, m.labels),
    spec: {
      selector: { matchLabels: selectorLabels(sm.metadata.name) },
      endpoints: [{ port: HTTP_PORT_NAME, path: '/metrics', scheme: 'http', interval: m.scrapeInterval }],
    },
  };
}
