// What every child of a SentimentModel shares: its name, namespace, the four labels of api/names.ts and the
// controller owner reference that makes it garbage-collected with the SentimentModel.
import type { V1ObjectMeta, V1OwnerReference } from './k8s-types';
import { API_GROUP_VERSION, KIND, childLabels } from '../api/names';
import type { SentimentModel } from '../api/types';

export function ownerReference(sm: SentimentModel): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    name: sm.metadata.name,
    uid: sm.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** metadata of the child of `sm`: same name and namespace, the contract labels (winning over `extraLabels`), owner reference. */
export function childMeta(sm: SentimentModel, extraLabels: Record<string, string> = {}): V1ObjectMeta {
  return {
    name: sm.metadata.name,
    namespace: sm.metadata.namespace,
    labels: { ...extraLabels, ...childLabels(sm.metadata.name) },
    ownerReferences: [ownerReference(sm)],
  };
}

/** The port name of the server container and of the Service; the ServiceMonitor scrapes it. */
export const HTTP_PORT_NAME = 'http';
