// Real pods: the operator, deployed from its own image by config/default, runs the samples on the
// local cluster's real node (hack/node.sh: containerd, kubelet, kube-proxy, CoreDNS, metrics-server)
// and everything is observed as a user would: kubectl, and HTTP through the Services' ClusterIPs
// from this machine. `make test-e2e` starts the cluster with REAL_NODE=yes and checks afterwards that
// `cluster-down` left the host as it was.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
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
  sleep,
  testenvDir,
  waitFor,
} from '../support/cluster';
import { startRateLoad } from '../support/rate-load';

const SAMPLE_MODEL = path.join(repoRoot, 'samples', 'models', 'imdb.onnx');
const OPERATOR_NS = 'sentiment-operator-system';
const POSITIVE = 'A wonderful, moving film with superb acting. I loved every minute of it.';
const NEGATIVE = 'A dull, tedious mess. The worst film I have seen in years; avoid it.';
/** Requests that let this suite's pods share the 2-core node. */
const SMALL = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '768Mi' } };

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface SentimentModelObject {
  metadata: { name: string; generation: number };
  spec: { model: { uri: string; version?: string; sha256?: string } };
  status?: { observedGeneration?: number; readyReplicas?: number; conditions?: Condition[] };
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: {
    waiting?: { reason?: string };
    running?: object;
    terminated?: { exitCode: number; message?: string };
  };
}
interface PodObject {
  metadata: { name: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
interface ServiceObject {
  spec: { clusterIP: string; ports: { port: number }[] };
}

/** The real node's name and address, as hack/cluster.sh recorded them. */
function realNode(): { name: string; ip: string } {
  const env = readFileSync(path.join(testenvDir, 'ports.env'), 'utf8');
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(env)?.[1];
  if (get('CLUSTER_MODE') !== 'real-node') {
    throw new Error(
      'the local cluster has no real node (CLUSTER_MODE is not real-node in .testenv/ports.env): ' +
        'run `make test-e2e`, which starts it with REAL_NODE=yes and says why when this machine cannot',
    );
  }
  return { name: get('NODE_NAME') ?? 'sentiment-node', ip: get('NODE_IP') ?? '10.244.0.1' };
}

const condition = (sm: SentimentModelObject | undefined, type: string) =>
  sm?.status?.conditions?.find((c) => c.type === type);

describe('real pods on the real node', function () {
  this.timeout(15 * 60_000);
  let ns: string;
  let node: { name: string; ip: string };
  let work: string;

  const sm = (name: string) => getOrUndefined<SentimentModelObject>('sentimentmodel', name, ns);
  const pods = async (model: string) =>
    (
      await kubectlJson<{ items: PodObject[] }>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        `app.kubernetes.io/instance=${model}`,
      ])
    ).items;
  const runningPods = async (model: string) =>
    (await pods(model)).filter(
      (p) =>
        !p.metadata.deletionTimestamp &&
        p.status.phase === 'Running' &&
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  const waitReady = (name: string, timeoutMs = 180_000) =>
    waitFor(async () => condition(await sm(name), 'Ready')?.status === 'True', {
      timeoutMs,
      intervalMs: 1000,
      what: `SentimentModel ${name} to be Ready`,
    });
  const serviceUrl = async (name: string, route = '/predict') => {
    const svc = await kubectlJson<ServiceObject>(['get', 'service', name, '-n', ns]);
    return `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}${route}`;
  };
  const predict = async (url: string, texts: string[]) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200, `POST ${url}: HTTP ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as { predictions: { label: string; confidence: number }[] };
  };
  const model = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'sentimentops.dev/v1alpha1',
    kind: 'SentimentModel',
    metadata: { name },
    spec,
  });

  before(async function () {
    await requireCluster();
    node = realNode();
    const ready = await kubectl([
      'get',
      'node',
      node.name,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    assert.equal(ready, 'True', `node ${node.name} is not Ready`);
    work = mkdtempSync(path.join(testenvDir, 'e2e-'));
    // The operator in the cluster, from its image, as `make deploy` installs it; model downloads from
    // this suite's server on the node's address are allowed explicitly (fetch-model refuses private
    // addresses otherwise).
    await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '-k',
      path.join(repoRoot, 'config', 'default'),
    ]);
    await kubectl([
      '-n',
      OPERATOR_NS,
      'set',
      'env',
      'deployment/sentiment-operator',
      `FETCH_ALLOWED_CIDRS=${node.ip}/32`,
      // The operator's default requests (500m CPU a model) would fit only four model pods on this
      // 2-core node; the samples and this suite run about ten at once.
      'DEFAULT_REQUESTS=cpu=100m,memory=256Mi',
    ]);
    await kubectl(
      ['-n', OPERATOR_NS, 'rollout', 'status', 'deployment/sentiment-operator', '--timeout=180s'],
      {
        timeoutMs: 200_000,
      },
    );
    ns = await createTestNamespace('e2e');
  });

  after(async function () {
    if (ns) await deleteNamespace(ns);
    await kubectl([
      'delete',
      'persistentvolume',
      `e2e-models-${ns}`,
      '--ignore-not-found',
      '--wait=false',
    ]).catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs the operator from its own image in the cluster, as the elected leader', async () => {
    // Right after the rollout the previous pod may still be terminating and hold the Lease until it
    // releases it: wait for one running pod that holds it.
    const leader = await waitFor(
      async () => {
        const pods = (
          await kubectlJson<{ items: PodObject[] }>([
            'get',
            'pods',
            '-n',
            OPERATOR_NS,
            '-l',
            'app.kubernetes.io/name=sentiment-operator',
          ])
        ).items.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
        const lease = await getOrUndefined<{ spec: { holderIdentity?: string } }>(
          'lease',
          'sentiment-operator-leader',
          OPERATOR_NS,
        );
        return pods.length === 1 && lease?.spec.holderIdentity === pods[0].metadata.name && pods[0];
      },
      {
        timeoutMs: 90_000,
        intervalMs: 1000,
        what: 'one running operator pod holding the Lease sentiment-operator-leader',
      },
    );
    assert.equal(leader.spec.nodeName, node.name, 'on the real node');
    const image = await kubectl([
      'get',
      'pod',
      leader.metadata.name,
      '-n',
      OPERATOR_NS,
      '-o',
      'jsonpath={.spec.containers[0].image}',
    ]);
    assert.equal(
      image,
      'ghcr.io/sentimentops/sentiment-operator:0.1.0',
      'from the image hack/images.sh built',
    );
  });

  describe('samples', () => {
    let server: https.Server;
    let modelUrl: string;
    let caPem: string;

    before(async function () {
      // samples/pvc-model.yaml: a ReadOnlyMany volume holding imdb/v1/imdb.onnx, as a cluster admin
      // would provide; here a hostPath PersistentVolume on the node, bound to the sample's claim.
      const dir = path.join(work, 'pv');
      mkdirSync(path.join(dir, 'imdb', 'v1'), { recursive: true });
      copyFileSync(SAMPLE_MODEL, path.join(dir, 'imdb', 'v1', 'imdb.onnx'));
      for (const p of [path.dirname(dir), dir, path.join(dir, 'imdb'), path.join(dir, 'imdb', 'v1')])
        chmodSync(p, 0o755);
      chmodSync(path.join(dir, 'imdb', 'v1', 'imdb.onnx'), 0o644);
      await apply({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `e2e-models-${ns}` },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadOnlyMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          hostPath: { path: dir, type: 'Directory' },
          claimRef: { namespace: ns, name: 'sentiment-models' },
        },
      });
      // samples/http-model.yaml: the same model over HTTPS, from a server with a private CA on the
      // node's address; the pod trusts that CA through a ConfigMap.
      const tls = selfSignedServer(work, node.ip);
      caPem = tls.ca;
      server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
        if (req.url === '/models/imdb.onnx') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(readFileSync(SAMPLE_MODEL));
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, node.ip, resolve));
      modelUrl = `https://${node.ip}:${(server.address() as AddressInfo).port}/models/imdb.onnx`;
      await apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'model-server-ca' },
          data: { 'ca.crt': caPem },
        },
        ns,
      );
    });

    after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    it('brings every sample in samples/ to Ready with running pods on the real node', async () => {
      const sha = createHash('sha256').update(readFileSync(SAMPLE_MODEL)).digest('hex');
      const files = ['basic', 'drift-thresholds', 'autoscaling-requests', 'pvc-model', 'http-model'];
      const names: string[] = [];
      for (const file of files) {
        const text = readFileSync(path.join(repoRoot, 'samples', `${file}.yaml`), 'utf8');
        for (const doc of parseAllDocuments(text)) {
          const obj = doc.toJS() as {
            kind: string;
            metadata: { name: string };
            spec: Record<string, unknown>;
          };
          if (obj.kind === 'SentimentModel') {
            names.push(obj.metadata.name);
            const m = obj.spec.model as Record<string, unknown>;
            if (String(m.uri).startsWith('https://')) {
              obj.spec.model = { ...m, uri: modelUrl, sha256: sha, caConfigMap: { name: 'model-server-ca' } };
            }
          }
          await apply(obj, ns);
        }
      }
      for (const name of names) await waitReady(name, 300_000);
      for (const name of names) {
        const running = await runningPods(name);
        assert.ok(running.length >= 1, `${name}: at least one pod running and ready`);
        for (const p of running)
          assert.equal(p.spec.nodeName, node.name, `${name}: pod ${p.metadata.name} on the real node`);
      }
    });

    it('answers a correct prediction through the Service ClusterIP, from the host', async () => {
      for (const name of ['imdb', 'imdb-pvc', 'imdb-http']) {
        const out = await predict(await serviceUrl(name), [POSITIVE, NEGATIVE]);
        assert.deepEqual(
          out.predictions.map((p) => p.label),
          ['positive', 'negative'],
          `${name}: ${JSON.stringify(out)}`,
        );
      }
    });

    it('runs the server as uid 1000 on a read-only root, and kubectl exec and logs reach it', async () => {
      const [pod] = await runningPods('imdb');
      const exec = (cmd: string[]) =>
        kubectl(['exec', '-n', ns, pod.metadata.name, '-c', 'model-server', '--', ...cmd]);
      assert.match(await exec(['id']), /^uid=1000\b.*gid=1000\b/);
      const status = await exec(['cat', '/proc/1/status']);
      assert.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'PID 1 runs as uid 1000');
      assert.match(status, /^CapEff:\s+0+$/m, 'with no effective capability');
      const write = await exec(['sh', '-c', 'touch /app/x 2>&1; echo "rc=$?"; touch /tmp/ok && echo tmp-ok']);
      assert.match(write, /Read-only file system/);
      assert.match(write, /tmp-ok/, '/tmp is writable');
      const logs = await kubectl(['logs', '-n', ns, pod.metadata.name, '-c', 'model-server']);
      assert.match(logs, /"level":"info"/, 'JSON logs through the kubelet');
    });

    it('keeps a model with a wrong sha256 in Init:CrashLoopBackOff and says so on the SentimentModel', async () => {
      await apply(
        model('bad-sha', {
          model: { uri: modelUrl, sha256: 'ab'.repeat(32), caConfigMap: { name: 'model-server-ca' } },
          replicas: 1,
        }),
        ns,
      );
      const pod = await waitFor(
        async () =>
          (await pods('bad-sha')).find((p) =>
            p.status.initContainerStatuses?.some(
              // Crash-looping: failed and restarted at least twice. Between restarts the kubelet
              // shows the backoff (waiting: CrashLoopBackOff, "Init:CrashLoopBackOff") or, for a
              // moment, the last failure (terminated, "Init:Error").
              (s) =>
                s.name === 'fetch-model' &&
                s.restartCount >= 2 &&
                !s.ready &&
                (s.state?.waiting?.reason === 'CrashLoopBackOff' ||
                  (s.state?.terminated?.exitCode ?? 0) !== 0),
            ),
          ),
        { timeoutMs: 120_000, intervalMs: 1000, what: 'the bad-sha pod in Init:CrashLoopBackOff' },
      );
      assert.equal(pod.status.phase, 'Pending');
      const ready = await waitFor(
        async () => {
          const c = condition(await sm('bad-sha'), 'Ready');
          return c?.status === 'False' && /sha256/i.test(`${c.reason} ${c.message}`) && c;
        },
        { timeoutMs: 60_000, intervalMs: 1000, what: 'bad-sha Ready=False naming the sha256 mismatch' },
      );
      assert.equal(ready.reason, 'ModelFetchFailed');
      await kubectl(['delete', 'sentimentmodel', 'bad-sha', '-n', ns, '--wait=false']);
    });

    it('removes the samples', async () => {
      await kubectl(['delete', 'sentimentmodels', '--all', '-n', ns, '--wait=true', '--timeout=120s'], {
        timeoutMs: 150_000,
      });
      await waitFor(async () => (await kubectl(['get', 'pods', '-n', ns, '-o', 'name'])).trim() === '', {
        timeoutMs: 120_000,
        what: 'the samples pods to be gone',
      });
    });
  });

  it('rolls a new model version out under 100 requests/s with no failed request', async () => {
    await apply(
      model('rolling', {
        model: { uri: 'file:///models/imdb.onnx', version: 'v1' },
        replicas: 2,
        resources: SMALL,
      }),
      ns,
    );
    await waitReady('rolling');
    await waitFor(async () => (await runningPods('rolling')).length === 2, {
      timeoutMs: 120_000,
      what: 'two ready pods',
    });
    const url = await serviceUrl('rolling');
    const load = startRateLoad(url, () => JSON.stringify({ texts: [POSITIVE] }), 100);
    await sleep(5000);
    await kubectl([
      'patch',
      'sentimentmodel',
      'rolling',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"model":{"version":"v2"}}}',
    ]);
    await waitFor(
      async () => {
        const all = await pods('rolling');
        return (
          all.length === 2 &&
          all.every(
            (p) =>
              p.metadata.annotations?.['sentimentops.dev/model-version'] === 'v2' &&
              p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          )
        );
      },
      { timeoutMs: 240_000, intervalMs: 1000, what: 'both pods on v2, ready, the old ones gone' },
    );
    await sleep(5000);
    const result = await load.stop();
    console.log(`      ${result.sent} requests, ${result.ok} answered 2xx, ${result.failures.length} failed`);
    assert.ok(result.sent >= 1000, `sent ${result.sent} requests`);
    assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.sent} requests failed`);
    assert.equal(result.ok, result.sent);
  });

  it('scales with kubectl scale, replaces a deleted pod, and kubectl drain honours the PodDisruptionBudget', async () => {
    await apply(
      model('fixed', { model: { uri: 'file:///models/imdb.onnx' }, replicas: 1, resources: SMALL }),
      ns,
    );
    await waitReady('fixed');
    await kubectl(['scale', 'sentimentmodel/fixed', '-n', ns, '--replicas=3']);
    const three = await waitFor(
      async () => ((await runningPods('fixed')).length === 3 ? runningPods('fixed') : false),
      {
        timeoutMs: 180_000,
        intervalMs: 1000,
        what: '3 running pods',
      },
    );
    await kubectl(['delete', 'pod', three[0].metadata.name, '-n', ns, '--wait=false']);
    await waitFor(
      async () => {
        const now = await runningPods('fixed');
        return now.length === 3 && !now.some((p) => p.metadata.name === three[0].metadata.name);
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: 'a new pod in place of the deleted one' },
    );
    const pdb = await getOrUndefined<{ spec: { minAvailable: number } }>('pdb', 'fixed', ns);
    assert.ok(pdb, 'three replicas: a PodDisruptionBudget');
    // Draining the only real node evicts pods while the budget allows (their replacements cannot be
    // scheduled: the node is cordoned and the kwok nodes are tainted), then the budget blocks it.
    let drainOutput = '';
    try {
      await kubectl(
        [
          'drain',
          node.name,
          `--pod-selector=app.kubernetes.io/instance=fixed`,
          '--timeout=25s',
          '--delete-emptydir-data',
        ],
        { timeoutMs: 60_000 },
      );
      assert.fail('kubectl drain returned although the PodDisruptionBudget forbids evicting the rest');
    } catch (err) {
      drainOutput = err instanceof Error ? err.message : String(err);
    } finally {
      await kubectl(['uncordon', node.name]);
    }
    assert.match(drainOutput, /disruption budget/i, drainOutput);
    const left = await runningPods('fixed');
    assert.equal(
      left.length,
      pdb.spec.minAvailable,
      `the budget (minAvailable ${pdb.spec.minAvailable}) kept ${left.length} of 3 pods running`,
    );
    await waitFor(async () => (await runningPods('fixed')).length === 3, {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: '3 running pods again after uncordon',
    });
    await kubectl(['delete', 'sentimentmodel', 'fixed', '-n', ns, '--wait=false']);
  });

  it('scales on real CPU through metrics-server: the HPA goes 1 → 2 under load and back to 1 after', async () => {
    // samples/basic.yaml with a short scale-down window, so that the test need not wait 5 minutes.
    await apply(
      model('cpu', {
        model: { uri: 'file:///models/imdb.onnx' },
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        autoscaling: {
          enabled: true,
          minReplicas: 1,
          maxReplicas: 3,
          targetCPUUtilization: 50,
          scaleDownStabilizationSeconds: 15,
        },
      }),
      ns,
    );
    await waitReady('cpu');
    await waitFor(
      async () => {
        const hpa = await kubectlJson<{
          status: { currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[] };
        }>(['get', 'hpa', 'cpu', '-n', ns]);
        return hpa.status.currentMetrics?.[0]?.resource?.current?.averageUtilization !== undefined;
      },
      { timeoutMs: 120_000, intervalMs: 2000, what: 'the HPA to read CPU from metrics.k8s.io' },
    );
    const url = await serviceUrl('cpu');
    const batch = JSON.stringify({ texts: Array.from({ length: 32 }, (_, i) => `${POSITIVE} ${i}`) });
    const load = startRateLoad(url, () => batch, 40, { timeoutMs: 30_000 });
    const curve: string[] = [];
    const replicas = async () => {
      const hpa = await kubectlJson<{ status: { currentReplicas?: number; desiredReplicas?: number } }>([
        'get',
        'hpa',
        'cpu',
        '-n',
        ns,
      ]);
      return hpa.status.currentReplicas ?? 0;
    };
    try {
      await waitFor(
        async () => {
          const n = await replicas();
          curve.push(`${new Date().toISOString()} replicas=${n}`);
          return n >= 2;
        },
        { timeoutMs: 240_000, intervalMs: 5000, what: 'the HPA to scale cpu to 2 replicas' },
      );
    } finally {
      await load.stop();
    }
    await waitFor(
      async () => {
        const n = await replicas();
        curve.push(`${new Date().toISOString()} replicas=${n} (load stopped)`);
        return n === 1;
      },
      { timeoutMs: 300_000, intervalMs: 5000, what: 'the HPA to scale cpu back to 1 replica' },
    );
    console.log(`      HPA curve:\n        ${curve.join('\n        ')}`);
  });
});

/** A CA and a server certificate for `ip`, made with openssl in `dir`. */
function selfSignedServer(dir: string, ip: string): { ca: string; key: string; cert: string } {
  const d = path.join(dir, 'tls');
  mkdirSync(d, { recursive: true });
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  /** A new P-256 key without a passphrase, written to `file`. */
  const newKey = (file: string) => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file,
  ];
  run([
    'req',
    '-x509',
    ...newKey('ca.key'),
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=e2e-model-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  run(['req', '-new', ...newKey('server.key'), '-out', 'server.csr', '-subj', '/CN=e2e-models']);
  writeFileSync(path.join(d, 'ext.cnf'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
    '-out',
    'server.crt',
  ]);
  const read = (f: string) => readFileSync(path.join(d, f), 'utf8');
  return { ca: read('ca.crt'), key: read('server.key'), cert: read('server.crt') };
}
