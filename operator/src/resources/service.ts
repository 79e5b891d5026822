// The ClusterIP Service in front of a SentimentModel's servers.
import { selectorLabels } from '../api/names';
import type { SentimentModel } from '../api/types';
import type { OperatorConfig } from '../config';
import type { V1Service } from './k8s-types';
import { HTTP_PORT_NAME, childMeta } from './meta';

export function buildService(sm: SentimentModel, _config: OperatorConfig): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(sm),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(sm.metadata.name),
      ports: [
        { name: HTTP_PORT_NAME, port: sm.spec.serving.port, targetPort: HTTP_PORT_NAME, protocol: 'TCP' },
      ],
    },
  };
}

/** The in-cluster URL status.url reports: http://NAME.NAMESPACE.svc:PORT. */
export function serviceUrl(sm: SentimentModel): string {
  return `http://${sm.metadata.name}.${sm.metadata.namespace}.svc:${sm.spec.serving.port}`;
}
