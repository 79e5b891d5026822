// The Deployment of a SentimentModel's model servers.
import { ANNOTATION_MODEL_VERSION, selectorLabels, childLabels } from '../api/names';
import type { SentimentModel } from '../api/types';
import { type OperatorConfig, terminationGracePeriod } from '../config';
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from './k8s-types';
import { HTTP_PORT_NAME, childMeta } from './meta';
import { modelLocation } from './model-source';
import { canonicalQuantity } from './quantity';

export const SERVER_CONTAINER = 'model-server';
export const FETCH_CONTAINER = 'fetch-model';
/** Where a PVC or a downloaded model is mounted. */
export const MODEL_DIR = '/var/lib/sentiment/model';
/** The file an http(s) model is downloaded to. */
export const DOWNLOADED_MODEL = `${MODEL_DIR}/model.onnx`;
/** Where the fetch-model init container finds spec.model.caConfigMap, and the file it reads. */
export const FETCH_CA_DIR = '/etc/sentiment/fetch-ca';
export const FETCH_CA_FILE = `${FETCH_CA_DIR}/ca.crt`;
export const LIVE_PATH = '/v2/health/live';
export const READY_PATH = '/v2/health/ready';
/** The user the server runs as (the `node` user of the official Node images). */
export const RUN_AS_USER = 1000;

/** The container securityContext of every container: no root, no privilege escalation, no capabilities, read-only root. */
export function hardenedSecurityContext(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

interface ModelWiring {
  modelPath: string;
  volumes: V1Volume[];
  serverMounts: V1VolumeMount[];
  initContainers: V1Container[];
}

function modelWiring(sm: SentimentModel, config: OperatorConfig, image: string): ModelWiring {
  const location = modelLocation(sm.spec.model);
  switch (location.kind) {
    case 'file':
      return { modelPath: location.path, volumes: [], serverMounts: [], initContainers: [] };
    case 'pvc':
      return {
        modelPath: `${MODEL_DIR}/${location.path}`,
        volumes: [
          { name: 'model', persistentVolumeClaim: { claimName: location.claimName, readOnly: true } },
        ],
        serverMounts: [{ name: 'model', mountPath: MODEL_DIR, readOnly: true }],
        initContainers: [],
      };
    case 'http': {
      const ca = sm.spec.model.caConfigMap;
      const env: V1EnvVar[] = [{ name: 'LOG_LEVEL', value: sm.spec.serving.logLevel }];
      // model-server/src/server/fetch-model.ts reads it: the special addresses it may still reach
      if (config.fetchAllowedCidrs.length > 0)
        env.push({ name: 'FETCH_ALLOWED_CIDRS', value: config.fetchAllowedCidrs.join(',') });
      return {
        modelPath: DOWNLOADED_MODEL,
        volumes: [
          { name: 'model', emptyDir: { sizeLimit: bytesQuantity(config.maxModelBytes) } },
          ...(ca
            ? [{ name: 'fetch-ca', configMap: { name: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] } }]
            : []),
        ],
        serverMounts: [{ name: 'model', mountPath: MODEL_DIR, readOnly: true }],
        initContainers: [
          {
            name: FETCH_CONTAINER,
            image,
            imagePullPolicy: config.imagePullPolicy,
            command: [...config.serverCommand, 'fetch-model'],
            args: [
              '--uri',
              location.url,
              '--sha256',
              location.sha256,
              '--out',
              DOWNLOADED_MODEL,
              '--max-bytes',
              String(config.maxModelBytes),
              ...(ca ? ['--ca-file', FETCH_CA_FILE] : []),
            ],
            env,
            resources: structuredClone(config.initResources),
            securityContext: hardenedSecurityContext(),
            // The end of the JSON log becomes the termination message: why the download failed shows
            // in the pod's status, and from there in the SentimentModel's (controller/pod-problems.ts).
            terminationMessagePolicy: 'FallbackToLogsOnError',
            volumeMounts: [
              { name: 'model', mountPath: MODEL_DIR },
              { name: 'tmp', mountPath: '/tmp' },
              ...(ca ? [{ name: 'fetch-ca', mountPath: FETCH_CA_DIR, readOnly: true }] : []),
            ],
          },
        ],
      };
    }
  }
}

/** Bytes as a binary Kubernetes quantity: 1073741824 → 1Gi, else Mi, else plain bytes. */
export function bytesQuantity(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}Gi`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}Mi`;
  return String(bytes);
}

/** Resource quantities as canonical strings (the schema also allows numbers such as `cpu: 0.5`). */
function quantities(list: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, v]) => [k, canonicalQuantity(v)]));
}

/** The server's environment (model-server/src/server/config.ts reads it), in a fixed order. */
export function serverEnv(sm: SentimentModel, config: OperatorConfig, modelPath: string): V1EnvVar[] {
  const s = sm.spec.serving;
  const env: V1EnvVar[] = [
    { name: 'MODEL_PATH', value: modelPath },
    { name: 'MODEL_NAME', value: sm.metadata.name },
  ];
  if (sm.spec.model.sha256) env.push({ name: 'MODEL_SHA256', value: sm.spec.model.sha256 });
  env.push(
    { name: 'PORT', value: String(s.port) },
    { name: 'MAX_BATCH_SIZE', value: String(s.maxBatchSize) },
    { name: 'BATCH_WINDOW_MS', value: String(s.batchWindowMs) },
    { name: 'MAX_TEXT_CHARS', value: String(s.maxTextChars) },
    { name: 'MAX_BODY_BYTES', value: String(s.maxBodyBytes) },
    { name: 'MAX_BATCH_ITEMS', value: String(s.maxBatchItems) },
    { name: 'DRAIN_SECONDS', value: String(config.drainSeconds) },
    { name: 'SHUTDOWN_TIMEOUT_MS', value: String(config.shutdownTimeoutSeconds * 1000) },
    { name: 'LOG_LEVEL', value: s.logLevel },
  );
  return env;
}

export function buildDeployment(sm: SentimentModel, config: OperatorConfig): V1Deployment {
  const name = sm.metadata.name;
  const image = sm.spec.image ?? config.defaultImage;
  const model = modelWiring(sm, config, image);
  const server: V1Container = {
    name: SERVER_CONTAINER,
    image,
    imagePullPolicy: config.imagePullPolicy,
    command: [...config.serverCommand, 'serve'],
    ports: [{ name: HTTP_PORT_NAME, containerPort: sm.spec.serving.port, protocol: 'TCP' }],
    env: serverEnv(sm, config, model.modelPath),
    readinessProbe: {
      httpGet: { path: READY_PATH, port: HTTP_PORT_NAME },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: LIVE_PATH, port: HTTP_PORT_NAME },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    securityContext: hardenedSecurityContext(),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...model.serverMounts],
  };
  // Kubernetes takes a deleted pod out of the endpoints while the hook waits, so requests routed to
  // it meanwhile are still answered; the native sleep action needs no `sleep` binary in the image
  if (config.preStopSeconds > 0)
    server.lifecycle = { preStop: { sleep: { seconds: config.preStopSeconds } } };
  // spec.resources replaces the defaults whole: mixing the lists could put a request above a limit
  const { requests, limits } = sm.spec.resources ?? config.defaultResources;
  const given = (list?: Record<string, string | number>) => list && Object.keys(list).length > 0;
  if (given(requests) || given(limits)) {
    server.resources = {
      ...(given(requests) ? { requests: quantities(requests!) } : {}),
      ...(given(limits) ? { limits: quantities(limits!) } : {}),
    };
  }

  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(sm),
    spec: {
      selector: { matchLabels: selectorLabels(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      revisionHistoryLimit: 3,
      template: {
        metadata: {
          labels: childLabels(name),
          ...(sm.spec.model.version
            ? { annotations: { [ANNOTATION_MODEL_VERSION]: sm.spec.model.version } }
            : {}),
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGracePeriod(config),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(model.initContainers.length > 0 ? { initContainers: model.initContainers } : {}),
          containers: [server],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, ...model.volumes],
        },
      },
    },
  };
  // With autoscaling on, the HPA owns the replica count: leaving the field out keeps the operator's
  // apply from fighting it.
  if (!sm.spec.autoscaling.enabled) deployment.spec!.replicas = sm.spec.replicas;
  return deployment;
}
