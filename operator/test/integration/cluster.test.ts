// Proves the local control plane (`make cluster-up`) is a working Kubernetes for the operator's
// integration tests: the real API server answers, controllers and scheduler act, kwok nodes run pods,
// and the Prometheus Operator CRDs are served.
import { strict as assert } from 'node:assert';
import {
  KubectlError,
  apply,
  createTestNamespace,
  deleteNamespace,
  getOrUndefined,
  kubectl,
  kubectlJson,
  kwokNodeNames,
  requireCluster,
  restartApiserver,
  waitFor,
} from '../support/cluster';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

interface Deployment {
  metadata: ObjectMeta;
  spec: { replicas: number };
  status?: { availableReplicas?: number; readyReplicas?: number; conditions?: Condition[] };
}

interface Pod {
  metadata: ObjectMeta;
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: Condition[] };
}

interface HorizontalPodAutoscaler {
  metadata: ObjectMeta;
  status?: { currentReplicas?: number; desiredReplicas?: number; conditions?: Condition[] };
}

const condition = (conditions: Condition[] | undefined, type: string): Condition | undefined =>
  conditions?.find((c) => c.type === type);

describe('local control plane (make cluster-up)', function () {
  this.timeout(180_000);
  let ns = '';

  before(async function () {
    this.timeout(60_000);
    await requireCluster();
    ns = await createTestNamespace('it-cluster');
  });

  after(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('answers /readyz with ok', async () => {
    assert.equal((await kubectl(['get', '--raw=/readyz'])).trim(), 'ok');
  });

  it('runs a Deployment to Available with 2 Running and Ready pods on kwok nodes', async () => {
    await kubectl([
      'create',
      'deployment',
      'x',
      '--image=registry.k8s.io/pause:3.9',
      '--replicas=2',
      '-n',
      ns,
    ]);

    const deployment = await waitFor(
      async () => {
        const d = await kubectlJson<Deployment>(['get', 'deployment', 'x', '-n', ns]);
        return condition(d.status?.conditions, 'Available')?.status === 'True' &&
          d.status?.availableReplicas === 2
          ? d
          : undefined;
      },
      { what: 'deployment x to be Available with 2 replicas', timeoutMs: 90_000 },
    );
    assert.equal(deployment.status?.readyReplicas, 2);

    const kwokNodes = await kwokNodeNames();
    assert.ok(kwokNodes.length >= 2, `expected at least 2 kwok nodes, got ${kwokNodes.join(', ')}`);
    const pods = await kubectlJson<{ items: Pod[] }>(['get', 'pods', '-n', ns, '-l', 'app=x']);
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.equal(pod.status.phase, 'Running', `${pod.metadata.name} phase`);
      assert.equal(condition(pod.status.conditions, 'Ready')?.status, 'True', `${pod.metadata.name} Ready`);
      assert.ok(
        pod.spec.nodeName && kwokNodes.includes(pod.spec.nodeName),
        `${pod.metadata.name} runs on ${pod.spec.nodeName}, not on a kwok node`,
      );
      assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'ReplicaSet');
    }
  });

  it('serves servicemonitors and prometheusrules (monitoring.coreos.com/v1)', async () => {
    const resources = (await kubectl(['api-resources', '--api-group=monitoring.coreos.com', '-o', 'name']))
      .split('\n')
      .filter(Boolean);
    assert.ok(resources.includes('servicemonitors.monitoring.coreos.com'), resources.join(', '));
    assert.ok(resources.includes('prometheusrules.monitoring.coreos.com'), resources.join(', '));

    await apply(
      [
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: { name: 'probe', namespace: ns },
          spec: { selector: { matchLabels: { app: 'x' } }, endpoints: [{ port: 'http', interval: '15s' }] },
        },
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: 'probe', namespace: ns },
          spec: {
            groups: [{ name: 'probe', rules: [{ alert: 'Probe', expr: 'vector(1) > 2', for: '5m' }] }],
          },
        },
      ],
      ns,
    );
    assert.ok(await getOrUndefined('servicemonitors.monitoring.coreos.com', 'probe', ns));
    assert.ok(await getOrUndefined('prometheusrules.monitoring.coreos.com', 'probe', ns));
  });

  it('garbage-collects an object whose controller owner reference points at a deleted owner', async () => {
    await kubectl(['create', 'configmap', 'gone-owner', '-n', ns]);
    const owner = await kubectlJson<{ metadata: ObjectMeta }>(['get', 'configmap', 'gone-owner', '-n', ns]);
    await kubectl(['delete', 'configmap', 'gone-owner', '-n', ns, '--wait=true']);

    await apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'orphan',
          namespace: ns,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'gone-owner',
              uid: owner.metadata.uid,
              controller: true,
            },
          ],
        },
        data: { note: 'its owner is already gone' },
      },
      ns,
    );
    await waitFor(async () => (await getOrUndefined('configmap', 'orphan', ns)) === undefined, {
      what: 'the garbage collector to delete configmap orphan',
      timeoutMs: 60_000,
    });
  });

  it('garbage-collects the dependents of a deleted owner (background cascade)', async () => {
    await kubectl(['create', 'configmap', 'owner', '-n', ns]);
    const owner = await kubectlJson<{ metadata: ObjectMeta }>(['get', 'configmap', 'owner', '-n', ns]);
    await apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          namespace: ns,
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, controller: true },
          ],
        },
      },
      ns,
    );
    await kubectl(['delete', 'configmap', 'owner', '-n', ns, '--cascade=background']);
    await waitFor(async () => (await getOrUndefined('configmap', 'dependent', ns)) === undefined, {
      what: 'the garbage collector to delete configmap dependent',
      timeoutMs: 60_000,
    });
  });

  it('has the HPA controller act on a HorizontalPodAutoscaler', async () => {
    await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'scaled', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'scaled' } },
          template: {
            metadata: { labels: { app: 'scaled' } },
            spec: {
              containers: [
                {
                  name: 'pause',
                  image: 'registry.k8s.io/pause:3.9',
                  resources: { requests: { cpu: '100m' } },
                },
              ],
            },
          },
        },
      },
      ns,
    );
    // minReplicas above the current 1: the HPA controller raises the Deployment to 3 without needing
    // any metrics (there is no metrics API here), and records what it did in the HPA status.
    await apply(
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'scaled', namespace: ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled' },
          minReplicas: 3,
          maxReplicas: 5,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
            },
          ],
        },
      },
      ns,
    );

    const hpa = await waitFor(
      async () => {
        const h = await kubectlJson<HorizontalPodAutoscaler>(['get', 'hpa', 'scaled', '-n', ns]);
        return condition(h.status?.conditions, 'AbleToScale') && h.status?.desiredReplicas === 3
          ? h
          : undefined;
      },
      { what: 'the HPA controller to write the status of hpa scaled', timeoutMs: 90_000 },
    );
    assert.equal(condition(hpa.status?.conditions, 'AbleToScale')?.status, 'True');

    const deployment = await waitFor(
      async () => {
        const d = await kubectlJson<Deployment>(['get', 'deployment', 'scaled', '-n', ns]);
        return d.spec.replicas === 3 && d.status?.availableReplicas === 3 ? d : undefined;
      },
      { what: 'deployment scaled to be raised to 3 available replicas by the HPA', timeoutMs: 90_000 },
    );
    assert.equal(deployment.spec.replicas, 3);
  });

  it('keeps working after a kube-apiserver crash and restart', async () => {
    await restartApiserver({ kill: true });
    assert.equal((await kubectl(['get', '--raw=/readyz'])).trim(), 'ok');
    // The controllers, the scheduler and kwok reconnect: a new Deployment still gets Running pods.
    await kubectl(['create', 'deployment', 'after-restart', '--image=registry.k8s.io/pause:3.9', '-n', ns]);
    await waitFor(
      async () => {
        const d = await kubectlJson<Deployment>(['get', 'deployment', 'after-restart', '-n', ns]);
        return d.status?.availableReplicas === 1;
      },
      { what: 'deployment after-restart to be Available after the restart', timeoutMs: 90_000 },
    );
  });

  it('reports NotFound through KubectlError', async () => {
    await assert.rejects(
      kubectl(['get', 'configmap', 'does-not-exist', '-n', ns]),
      (err: unknown) => err instanceof KubectlError && err.notFound,
    );
  });
});
