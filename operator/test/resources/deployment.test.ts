import { strict as assert } from 'node:assert';
import {
  buildDeployment,
  DOWNLOADED_MODEL,
  FETCH_CA_DIR,
  FETCH_CA_FILE,
  MODEL_DIR,
} from '../../src/resources/deployment';
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
      DRAIN_SECONDS: '5',
      SHUTDOWN_TIMEOUT_MS: '15000',
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
  });

  it("gives a model without spec.resources the operator's default requests and limits", () => {
    assert.deepEqual(server({ model: FILE_MODEL }).resources, {
      requests: { cpu: '500m', memory: '384Mi' },
      limits: { memory: '768Mi' },
    });
    const flagged = operatorConfig({
      defaultResources: { requests: { cpu: '1', memory: '1Gi' }, limits: {} },
    });
    assert.deepEqual(
      buildDeployment(sentimentModel({ model: FILE_MODEL }), flagged).spec!.template.spec!.containers[0]
        .resources,
      { requests: { cpu: '1', memory: '1Gi' } },
    );
    const none = operatorConfig({ defaultResources: { requests: {}, limits: {} } });
    assert.equal(
      buildDeployment(sentimentModel({ model: FILE_MODEL }), none).spec!.template.spec!.containers[0]
        .resources,
      undefined,
    );
    // the spec's resources replace the defaults whole, never merged with them
    assert.deepEqual(server({ model: FILE_MODEL, resources: { limits: { cpu: '4' } } }).resources, {
      limits: { cpu: '4' },
    });
  });

  it('stops a pod in steps: preStop sleep, drain, shutdown timeout, all within the grace period', () => {
    const p = podSpec({ model: FILE_MODEL });
    assert.deepEqual(p.containers[0].lifecycle, { preStop: { sleep: { seconds: 5 } } });
    assert.equal(p.terminationGracePeriodSeconds, 5 + 5 + 15 + 5);
    const slow = operatorConfig({ preStopSeconds: 10, drainSeconds: 3, shutdownTimeoutSeconds: 60 });
    const q = buildDeployment(sentimentModel({ model: FILE_MODEL }), slow).spec!.template.spec!;
    assert.equal(q.terminationGracePeriodSeconds, 78);
    const e = Object.fromEntries((q.containers[0].env ?? []).map((v) => [v.name, v.value]));
    assert.deepEqual([e.DRAIN_SECONDS, e.SHUTDOWN_TIMEOUT_MS], ['3', '60000']);
    const noHook = operatorConfig({ preStopSeconds: 0 });
    assert.equal(
      buildDeployment(sentimentModel({ model: FILE_MODEL }), noHook).spec!.template.spec!.containers[0]
        .lifecycle,
      undefined,
    );
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
    // no allow-list by default: only public addresses
    assert.deepEqual(init?.env, [{ name: 'LOG_LEVEL', value: 'info' }]);
  });

  it('passes --fetch-allowed-cidrs to fetch-model as FETCH_ALLOWED_CIDRS', () => {
    const allowing = operatorConfig({ fetchAllowedCidrs: ['10.0.0.0/8', 'fd00::/8'] });
    const sm = sentimentModel({ model: { uri: 'https://minio.storage.svc/imdb.onnx', sha256: SHA } });
    const init = buildDeployment(sm, allowing).spec!.template.spec!.initContainers![0];
    assert.deepEqual(init.env, [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'FETCH_ALLOWED_CIDRS', value: '10.0.0.0/8,fd00::/8' },
    ]);
  });

  it('mounts spec.model.caConfigMap read-only into fetch-model and points --ca-file at it', () => {
    const spec = {
      model: {
        uri: 'https://models.internal.example/imdb.onnx',
        sha256: SHA,
        caConfigMap: { name: 'models-ca', key: 'bundle.pem' },
      },
    };
    const p = podSpec(spec);
    const init = p.initContainers![0];
    assert.deepEqual(init.args?.slice(-2), ['--ca-file', FETCH_CA_FILE]);
    assert.deepEqual(init.volumeMounts?.at(-1), {
      name: 'fetch-ca',
      mountPath: FETCH_CA_DIR,
      readOnly: true,
    });
    assert.deepEqual(p.volumes?.at(-1), {
      name: 'fetch-ca',
      configMap: { name: 'models-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] },
    });
    // the server itself never sees the CA
    assert.ok(!(p.containers[0].volumeMounts ?? []).some((m) => m.name === 'fetch-ca'));
    assert.ok(
      !podSpec({ model: { uri: 'https://m.example/x.onnx', sha256: SHA } }).volumes!.some(
        (v) => v.name === 'fetch-ca',
      ),
    );
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
