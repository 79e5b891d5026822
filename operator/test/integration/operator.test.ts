// The operator against the local control plane: the real kube-apiserver, controllers and kwok pods.
// Each behaviour the issue names is observed from outside, through kubectl, as a user would see it.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  apply,
  createTestNamespace,
  deleteNamespace,
  getOrUndefined,
  kubectl,
  kubectlJson,
  repoRoot,
  requireCluster,
  restartApiserver,
  sleep,
  waitFor,
} from '../support/cluster';
import { startOperator, type OperatorProcess } from '../support/operator';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Meta {
  name: string;
  uid: string;
  resourceVersion: string;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
interface SentimentModelObject {
  metadata: Meta & { generation: number };
  spec: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    url?: string;
    conditions?: Condition[];
  };
}
interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface DeploymentObject {
  metadata: Meta;
  spec: {
    replicas?: number;
    strategy: { rollingUpdate?: { maxUnavailable?: number | string } };
    template: {
      spec: {
        containers: Container[];
        initContainers?: Container[];
        volumes?: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[];
      };
    };
  };
}

const CHILD_TYPES = [
  'deployment',
  'service',
  'horizontalpodautoscaler',
  'poddisruptionbudget',
  'servicemonitor',
];

function condition(sm: SentimentModelObject | undefined, type: string): Condition | undefined {
  return sm?.status?.conditions?.find((c) => c.type === type);
}

function env(container: Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function sampleDocuments(file: string): Record<string, unknown>[] {
  const text = readFileSync(path.join(repoRoot, 'samples', file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON() as Record<string, unknown>);
}

function model(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'sentimentops.dev/v1alpha1',
    kind: 'SentimentModel',
    metadata: { name },
    spec: { model: { uri: 'file:///models/imdb.onnx' }, ...spec },
  };
}

describe('operator against the local control plane', function () {
  let ns: string;
  let op: OperatorProcess;
  // Default lease timings (15 s lease, 10 s renew deadline, 2 s retry): the failover bound below is
  // the one a deployment gets.
  const leaseArgs = (): string[] => [
    `--leader-election-namespace=${ns}`,
    '--leader-election-id=sentiment-operator-it',
  ];
  const get = (kind: string, name: string): Promise<unknown> => getOrUndefined(kind, name, ns);
  const getSm = (name: string): Promise<SentimentModelObject | undefined> =>
    getOrUndefined<SentimentModelObject>('sentimentmodel', name, ns);
  const waitReady = async (name: string, timeoutMs = 60_000): Promise<SentimentModelObject> =>
    waitFor(
      async () => {
        const sm = await getSm(name);
        return condition(sm, 'Ready')?.status === 'True' && sm;
      },
      { timeoutMs, what: `SentimentModel ${name} to be Ready` },
    );

  before(async function () {
    await requireCluster();
    await kubectl(['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    await kubectl(['wait', '--for=condition=Established', 'crd/sentimentmodels.sentimentops.dev']);
    ns = await createTestNamespace('op');
    op = startOperator('a', [...leaseArgs(), '--leader-election-identity=op-a']);
    await waitFor(async () => (await op.metricSum('sentimentops_leader')) === 1, {
      timeoutMs: 30_000,
      what: 'operator a to lead',
    });
  });

  after(async function () {
    await op?.kill();
    if (ns) await deleteNamespace(ns);
  });

  it('brings every sample to Ready with the expected children', async function () {
    // The pvc sample needs its claim bound; a static PersistentVolume binds it (no provisioner here).
    await apply({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${ns}-models` },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadOnlyMany'],
        hostPath: { path: '/tmp/sentiment-models' },
        claimRef: { namespace: ns, name: 'sentiment-models' },
        persistentVolumeReclaimPolicy: 'Delete',
      },
    });
    const names: string[] = [];
    for (const file of [
      'basic.yaml',
      'autoscaling-requests.yaml',
      'pvc-model.yaml',
      'http-model.yaml',
      'drift-thresholds.yaml',
    ]) {
      for (const doc of sampleDocuments(file)) {
        await apply(doc, ns);
        if (doc.kind === 'SentimentModel') names.push((doc.metadata as { name: string }).name);
      }
    }
    for (const name of names) {
      // `kubectl wait` on the Ready condition is part of the contract.
      await kubectl(['-n', ns, 'wait', '--for=condition=Ready', `sentimentmodel/${name}`, '--timeout=90s'], {
        timeoutMs: 100_000,
      });
    }

    const basic = (await get('deployment', 'imdb')) as DeploymentObject;
    const server = basic.spec.template.spec.containers[0];
    assert.equal(server.name, 'model-server');
    assert.equal(env(server, 'MODEL_PATH'), '/models/imdb.onnx');
    assert.equal(basic.spec.strategy.rollingUpdate?.maxUnavailable, 0);
    assert.equal(basic.metadata.ownerReferences?.[0]?.kind, 'SentimentModel');
    assert.equal(basic.metadata.ownerReferences?.[0]?.controller, true);
    const hpa = (await get('hpa', 'imdb')) as {
      spec: { minReplicas: number; maxReplicas: number; metrics: unknown[] };
    };
    assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [1, 5]);
    assert.equal(await get('pdb', 'imdb'), undefined, 'one replica: no PodDisruptionBudget');
    assert.ok(
      await get('servicemonitor', 'imdb'),
      'the Prometheus Operator CRDs are installed: a ServiceMonitor',
    );

    const rps = (await get('hpa', 'imdb-rps')) as {
      spec: { maxReplicas: number; metrics: { type: string; pods?: { metric: { name: string } } }[] };
    };
    assert.equal(rps.spec.maxReplicas, 10);
    assert.equal(rps.spec.metrics[0].pods?.metric.name, 'sentiment_requests_per_second');

    const pvc = (await get('deployment', 'imdb-pvc')) as DeploymentObject;
    assert.equal(pvc.spec.replicas, 2);
    assert.deepEqual(pvc.spec.template.spec.volumes?.find((v) => v.name === 'model')?.persistentVolumeClaim, {
      claimName: 'sentiment-models',
      readOnly: true,
    });
    assert.ok(await get('pdb', 'imdb-pvc'), 'two replicas: a PodDisruptionBudget');

    const http = (await get('deployment', 'imdb-http')) as DeploymentObject;
    assert.equal(http.spec.template.spec.initContainers?.[0]?.name, 'fetch-model');
    assert.match(env(http.spec.template.spec.containers[0], 'MODEL_SHA256') ?? '', /^[0-9a-f]{64}$/);

    const drift = (await get('servicemonitor', 'imdb-drift')) as {
      metadata: { labels: Record<string, string> };
    };
    assert.equal(drift.metadata.labels.release, 'kube-prometheus-stack');

    const sm = await getSm('imdb-http');
    assert.equal(sm?.status?.url, `http://imdb-http.${ns}.svc:8080`);
    assert.equal(sm?.status?.observedGeneration, sm?.metadata.generation);
    assert.equal(sm?.status?.readyReplicas, 2);
    const printed = await kubectl(['-n', ns, 'get', 'sentimentmodels']);
    assert.match(printed, /^NAME\s+READY\s+REPLICAS\s+DRIFT\s+SCORE\s+MODEL\s+AGE/);
    assert.match(printed, /imdb-http\s+True\s+2\/2/);

    const events = await kubectl([
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=imdb,reason=ChildrenApplied',
      '-o',
      'name',
    ]);
    assert.notEqual(events.trim(), '', 'an Event records the created children');
  });

  it('reverts a hand edit of an owned field and recreates a deleted child within 10 s', async function () {
    await kubectl(['-n', ns, 'set', 'env', 'deployment/imdb', '-c', 'model-server', 'MAX_BATCH_SIZE=1']);
    await waitFor(
      async () =>
        env(
          ((await get('deployment', 'imdb')) as DeploymentObject).spec.template.spec.containers[0],
          'MAX_BATCH_SIZE',
        ) === '64',
      { timeoutMs: 10_000, what: 'the operator to restore MAX_BATCH_SIZE=64' },
    );
    await kubectl([
      '-n',
      ns,
      'patch',
      'service',
      'imdb',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/ports/0/port","value":9999}]',
    ]);
    await waitFor(
      async () =>
        ((await get('service', 'imdb')) as { spec: { ports: { port: number }[] } }).spec.ports[0].port ===
        8080,
      { timeoutMs: 10_000, what: 'the operator to restore the Service port' },
    );

    const before = (await get('service', 'imdb')) as { metadata: Meta };
    const deletedAt = Date.now();
    await kubectl(['-n', ns, 'delete', 'service', 'imdb', '--wait=true']);
    const recreated = await waitFor(
      async () => {
        const s = (await get('service', 'imdb')) as { metadata: Meta } | undefined;
        return s && s.metadata.uid !== before.metadata.uid && s;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the deleted Service to come back' },
    );
    assert.equal(recreated.metadata.ownerReferences?.[0]?.name, 'imdb');
    console.log(`      deleted Service recreated after ${Date.now() - deletedAt} ms`);
  });

  it('scales with kubectl scale when autoscaling is off, and adds a PodDisruptionBudget', async function () {
    await apply(model('fixed', { replicas: 1 }), ns);
    await waitReady('fixed');
    assert.equal(await get('pdb', 'fixed'), undefined);
    await kubectl(['-n', ns, 'scale', 'sentimentmodel/fixed', '--replicas=3']);
    await waitFor(async () => ((await get('deployment', 'fixed')) as DeploymentObject).spec.replicas === 3, {
      timeoutMs: 10_000,
      what: 'the Deployment to follow kubectl scale',
    });
    const sm = await waitFor(
      async () => {
        const s = await getSm('fixed');
        return s?.status?.readyReplicas === 3 && condition(s, 'Ready')?.status === 'True' && s;
      },
      { timeoutMs: 60_000, what: 'fixed to be Ready with 3 replicas' },
    );
    assert.equal(sm.status?.replicas, 3);
    assert.ok(await get('pdb', 'fixed'), 'three replicas: a PodDisruptionBudget');
    const scale = JSON.parse(
      await kubectl([
        'get',
        '--raw',
        `/apis/sentimentops.dev/v1alpha1/namespaces/${ns}/sentimentmodels/fixed/scale`,
      ]),
    ) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    assert.equal(scale.spec.replicas, 3);
    assert.equal(scale.status.replicas, 3);
    assert.match(scale.status.selector, /app.kubernetes.io\/instance=fixed/);
  });

  it('reports a missing PersistentVolumeClaim as Degraded, not as a crash', async function () {
    await apply(model('no-claim', { model: { uri: 'pvc://missing-claim/model.onnx' } }), ns);
    const sm = await waitFor(
      async () => {
        const s = await getSm('no-claim');
        return condition(s, 'Degraded')?.status === 'True' && s;
      },
      { timeoutMs: 20_000, what: 'no-claim to be Degraded' },
    );
    assert.equal(condition(sm, 'Degraded')?.reason, 'ModelClaimNotFound');
    assert.match(condition(sm, 'Degraded')?.message ?? '', /missing-claim/);
    assert.equal(condition(sm, 'Ready')?.status, 'False');
    const warnings = await kubectl([
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=no-claim,type=Warning',
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    assert.match(warnings, /ModelClaimNotFound/);
    // No reconcile failed for it or any other model, except for races: a write that lost to another
    // (409, retried in 0.2 s; optimistic concurrency makes it part of reading from a cache) and a model
    // deleted mid-reconcile (404; another suite's namespace going away, say).
    const errors = await op.metricSum('sentimentops_reconcile_errors_total');
    const races =
      (await op.metricSum('sentimentops_reconcile_errors_total', { reason: 'conflict' })) +
      (await op.metricSum('sentimentops_reconcile_errors_total', { reason: 'not_found' }));
    assert.equal(errors - races, 0);
  });

  it('writes nothing while idle for 30 s', async function () {
    // Let every model settle first (status writes follow the kwok pods becoming ready).
    for (const name of ['imdb', 'imdb-rps', 'imdb-pvc', 'imdb-http', 'imdb-drift', 'fixed'])
      await waitReady(name);
    await sleep(3_000);
    // The HPA controller writes the HPAs' status (no metrics server here), so for them only the spec's
    // generation counts; every other object must keep its resourceVersion.
    const snapshot = async (): Promise<string> => {
      const out: string[] = [];
      for (const kind of ['sentimentmodels', ...CHILD_TYPES]) {
        const list = await kubectlJson<{ items: { metadata: Meta & { generation?: number } }[] }>([
          '-n',
          ns,
          'get',
          kind,
        ]);
        for (const { metadata: m } of list.items) {
          const version =
            kind === 'horizontalpodautoscaler' ? `generation ${m.generation}` : m.resourceVersion;
          out.push(`${kind}/${m.name}@${version}`);
        }
      }
      return out.sort().join('\n');
    };
    // The no-claim model is re-checked every 30 s by design; its status does not change, so no write.
    const writesBefore = await op.metricSum('sentimentops_api_writes_total');
    const before = await snapshot();
    await sleep(30_000);
    const writesAfter = await op.metricSum('sentimentops_api_writes_total');
    assert.equal(writesAfter - writesBefore, 0, 'API writes by the operator while idle');
    assert.equal(await snapshot(), before, 'no SentimentModel or child changed while idle');
  });

  it('garbage-collects every child when the SentimentModel is deleted', async function () {
    await kubectl(['-n', ns, 'delete', 'sentimentmodel', 'imdb-drift', '--wait=true']);
    await waitFor(
      async () => {
        for (const kind of CHILD_TYPES) if (await get(kind, 'imdb-drift')) return false;
        return true;
      },
      { timeoutMs: 30_000, what: 'the children of imdb-drift to be garbage-collected' },
    );
  });

  it('recovers from a kube-apiserver restart in the same process and converges', async function () {
    const pid = op.child.pid;
    const connectsBefore = await op.metricSum('sentimentops_watch_connects_total');
    await restartApiserver({ kill: true });
    await apply(model('after-restart', { replicas: 1 }), ns);
    await waitReady('after-restart', 90_000);
    assert.equal(op.child.exitCode, null, 'the operator process is still running');
    assert.deepEqual(op.pids(), [pid], 'one process, the same one, served /metrics throughout');
    const connects = (await op.metricSum('sentimentops_watch_connects_total')) - connectsBefore;
    console.log(`      watches reopened in-process after the restart: ${connects}`);
    assert.ok(connects > 0, 'the informers reopened their watches');
    // Changes made while it was away are picked up too.
    await kubectl(['-n', ns, 'scale', 'sentimentmodel/after-restart', '--replicas=2']);
    await waitFor(
      async () => ((await get('deployment', 'after-restart')) as DeploymentObject).spec.replicas === 2,
      {
        timeoutMs: 20_000,
        what: 'after-restart to scale to 2',
      },
    );
  });

  it('runs one leader out of two instances, and fails over within 20 s when it dies', async function () {
    const b = startOperator('b', [...leaseArgs(), '--leader-election-identity=op-b']);
    try {
      await waitFor(() => b.port(), { timeoutMs: 30_000, what: 'operator b to start' });
      await sleep(3_000);
      assert.equal(await op.metricSum('sentimentops_leader'), 1, 'a leads');
      assert.equal(await b.metricSum('sentimentops_leader'), 0, 'b stands by');
      const readyz = await fetch(`http://127.0.0.1:${b.port()}/readyz`);
      assert.equal(readyz.status, 200, 'a standby is ready');
      const holder = async (): Promise<string | undefined> =>
        (await getOrUndefined<{ spec: { holderIdentity?: string } }>('lease', 'sentiment-operator-it', ns))
          ?.spec.holderIdentity;
      assert.equal(await holder(), 'op-a');
      const bWrites = await b.metricSum('sentimentops_api_writes_total');
      assert.equal(bWrites, 0, 'the standby wrote nothing');

      const killedAt = Date.now();
      await op.kill();
      await waitFor(async () => (await holder()) === 'op-b', {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'b to take the lease',
      });
      const failoverMs = Date.now() - killedAt;
      console.log(
        `      failover after SIGKILL of the leader: ${failoverMs} ms (default timings: lease 15 s, retry 2 s)`,
      );
      await apply(model('after-failover', { replicas: 1 }), ns);
      await waitReady('after-failover');
      op = b;
    } catch (error) {
      await b.kill();
      throw error;
    }
  });

  it('exits 0 on SIGTERM and releases its lease', async function () {
    const code = await op.stop(30_000);
    assert.equal(code, 0);
    const lease = await getOrUndefined<{ spec: { holderIdentity?: string } }>(
      'lease',
      'sentiment-operator-it',
      ns,
    );
    assert.ok(!lease?.spec.holderIdentity, `lease released, holder ${String(lease?.spec.holderIdentity)}`);
  });
});
