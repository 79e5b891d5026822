import { strict as assert } from 'node:assert';
import { buildDeployment, DOWNLOADED_MODEL, MODEL_DIR } from '../../src/resources/deployment';
import { operatorConfig } from '../../src/config';
import { FILE_MODEL, SHA, sentimentModel } from '../support/models';

const config = operatorConfig({ defaultImage: 'registry.example/model-server:1.2.3' });
const CONTRACT_LABELS = {
  'app.kubernetes.io/name': 'sentiment-model-server',
  'app.kubernetes.io/instance': 'imdb',
  'app.kubernetes.io/managed-by': 'sentiment-operator',
  'sentimentops.dev/model': 'imdb',
};

const deploy = (spec: Record<string, unknown>) => buildDeployment(sentimentModel(spec), config);
const podSpec = (spec: Record<string, unknown>) => deploy(spec).spec!.template.spec!;
const server = (spec: Record<string, unknown>) => podSpec(spec).containers[0];
const env = (spec: Record<string, unknown>): Record<string, string | undefined> =>
  Object.fromEntries((server(spec).env ?? []).map((e) => [e.name, e.value]));

describe('the model-server Deployment', () => {
  it('is named like the SentimentModel, carries the contract labels and is owned by it', () => {
    const d = deploy({ model: FILE_MODEL });
    assert.equal(d.metadata!.name, 'imdb');
    assert.equal(d.metadata!.namespace, 'ml');
    assert.deepEqual(d.metadata!.labels, CONTRACT_LABELS);
    assert.deepEqual(d.metadata!.ownerReferences, [
      {
        apiVersion: 'sentimentops.dev/v1alpha1',
        kind: 'SentimentModel',
        name: 'imdb',
        uid: '0b9f6c1e-7d2a-4c55-9a51-1f0e2b3c4d5e',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('selects its pods by name and instance, and labels them with the contract labels', () => {
    const d = deploy({ model: FILE_MODEL });
    assert.deepEqual(d.spec!.selector.matchLabels, {
      'app.kubernetes.io/name': 'sentiment-model-server',
      'app.kubernetes.io/instance': 'imdb',
    });
    assert.deepEqual(d.spec!.template.metadata!.labels, CONTRACT_LABELS);
  });

  it('runs the configured image unless the spec names one', () => {
    assert.equal(server({ model: FILE_MODEL }).image, 'registry.example/model-server:1.2.3');
    assert.equal(server({ model: FILE_MODEL, image: 'mine:2' }).image, 'mine:2');
  });

  it('starts the server with `serve` and exposes the port named http', () => {
    const c = server({ model: FILE_MODEL, serving: { port: 9000 } });
    assert.deepEqual(c.command, ['node', 'dist/src/main.js', 'serve']);
    assert.deepEqual(c.ports, [{ name: 'http', containerPort: 9000, protocol: 'TCP' }]);
  });

  it('probes liveness and readiness on the v2 health endpoints', () => {
    const c = server({ model: FILE_MODEL });
    assert.equal(c.livenessProbe?.httpGet?.path, '/v2/health/live');
    assert.equal(c.readinessProbe?.httpGet?.path, '/v2/health/ready');
    assert.equal(c.readinessProbe?.httpGet?.port, 'http');
  });

  it('passes the serving settings as environment variables', () => {
    const e = env({
      model: FILE_MODEL,
      serving: { port: 9000, maxBatchSize: 32, batchWindowMs: 5, maxTextChars: 5000, logLevel: 'debug' },
    });
    assert.deepEqual(e, {
      MODEL_PATH: '/models/imdb.onnx',
      MODEL_NAME: 'imdb',
      PORT: '9000',
      MAX_BATCH_SIZE: '32',
      BATCH_WINDOW_MS: '5',
      MAX_TEXT_CHARS: '5000',
      MAX_BODY_BYTES: '1048576',
      MAX_BATCH_ITEMS: '256',
      SHUTDOWN_TIMEOUT_MS: '25000',
      LOG_LEVEL: 'debug',
    });
  });

  it('passes the model sha256 through as MODEL_SHA256', () => {
    assert.equal(env({ model: { ...FILE_MODEL, sha256: SHA } }).MODEL_SHA256, SHA);
  });

  it('copies the resources, quantities as strings', () => {
    assert.deepEqual(
      server({ model: FILE_MODEL, resources: { requests: { cpu: 2 }, limits: { memory: '1Gi' } } }).resources,
      {
        requests: { cpu: '2' },
        limits: { memory: '1Gi' },
      },
    );
    assert.equal(server({ model: FILE_MODEL }).resources, undefined);
  });

  it('hardens every container and the pod', () => {
    const p = podSpec({ model: { uri: 'https://example.com/m.onnx', sha256: SHA } });
    for (const c of [...(p.initContainers ?? []), ...p.containers]) {
      assert.deepEqual(c.securityContext, {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    assert.equal(p.securityContext?.runAsNonRoot, true);
    assert.deepEqual(p.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(p.automountServiceAccountToken, false);
  });

  it('gives the read-only root filesystem a writable /tmp', () => {
    const p = podSpec({ model: FILE_MODEL });
    assert.deepEqual(p.volumes, [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    assert.deepEqual(server({ model: FILE_MODEL }).volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('serves a file:/// model from its path in the image, with no extra volume or init container', () => {
    const p = podSpec({ model: FILE_MODEL });
    assert.equal(env({ model: FILE_MODEL }).MODEL_PATH, '/models/imdb.onnx');
    assert.equal(p.initContainers, undefined);
  });

  it('mounts a pvc:// model read-only and points MODEL_PATH at the file on it', () => {
    const spec = { model: { uri: 'pvc://model-store/imdb/v3/model.onnx' } };
    const p = podSpec(spec);
    assert.deepEqual(p.volumes?.[1], {
      name: 'model',
      persistentVolumeClaim: { claimName: 'model-store', readOnly: true },
    });
    assert.deepEqual(server(spec).volumeMounts?.[1], { name: 'model', mountPath: MODEL_DIR, readOnly: true });
    assert.equal(env(spec).MODEL_PATH, `${MODEL_DIR}/imdb/v3/model.onnx`);
    assert.equal(p.initContainers, undefined);
  });

  it('downloads an http(s) model with fetch-model into an emptyDir the server reads', () => {
    const spec = { model: { uri: 'https://models.example.com/imdb.onnx', sha256: SHA } };
    const p = podSpec(spec);
    const init = p.initContainers?.[0];
    assert.equal(init?.name, 'fetch-model');
    assert.equal(init?.image, 'registry.example/model-server:1.2.3');
    assert.deepEqual(init?.command, ['node', 'dist/src/main.js', 'fetch-model']);
    assert.deepEqual(init?.args?.slice(0, 6), [
      '--uri',
      'https://models.example.com/imdb.onnx',
      '--sha256',
      SHA,
      '--out',
      DOWNLOADED_MODEL,
    ]);
    assert.deepEqual(p.volumes?.[1], { name: 'model', emptyDir: { sizeLimit: '1Gi' } });
    assert.deepEqual(init?.volumeMounts?.[0], { name: 'model', mountPath: MODEL_DIR });
    assert.deepEqual(server(spec).volumeMounts?.[1], { name: 'model', mountPath: MODEL_DIR, readOnly: true });
    assert.equal(env(spec).MODEL_PATH, DOWNLOADED_MODEL);
    assert.equal(env(spec).MODEL_SHA256, SHA);
  });

  it('rolls out one new pod at a time and never takes a ready one away first', () => {
    assert.deepEqual(deploy({ model: FILE_MODEL }).spec!.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  it('annotates the pods with spec.model.version, so that a new version alone rolls them', () => {
    const annotations = (version?: string) =>
      deploy({ model: { ...FILE_MODEL, ...(version ? { version } : {}) } }).spec!.template.metadata!
        .annotations;
    assert.deepEqual(annotations('v2'), { 'sentimentops.dev/model-version': 'v2' });
    assert.equal(annotations(undefined), undefined);
  });

  it('sets replicas from the spec when autoscaling is off', () => {
    assert.equal(deploy({ model: FILE_MODEL, replicas: 3 }).spec!.replicas, 3);
  });

  it('leaves replicas to the HPA when autoscaling is on', () => {
    const d = deploy({
      model: FILE_MODEL,
      replicas: 3,
      autoscaling: { enabled: true, targetRequestsPerSecond: 50 },
    });
    assert.equal('replicas' in d.spec!, false);
  });
});
