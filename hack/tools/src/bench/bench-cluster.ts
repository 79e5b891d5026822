// What the operator benchmark does to the local cluster besides creating SentimentModels: its own
// namespace, a kwok node with room for its pods, and the checks that nobody else's operator would
// reconcile its models. Everything it creates carries the run's name, so a later run can tell its
// leftovers from objects other people are using.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  KIND,
  PLURAL,
} from '@sentiment-operator/operator/dist/src/api/names';
import { kubectlBinary, repoRoot } from '@sentiment-operator/operator/dist/test/support/cluster';
import { ApiClient, METADATA_ONLY } from './api-client';

const START_CLUSTER = 'The local cluster is not running: run `make cluster-up` first';

/** A client for the cluster `make cluster-up` started; a clear error when there is none. */
export async function connect(kubeconfig: string): Promise<ApiClient> {
  if (!existsSync(kubeconfig)) throw new Error(`${START_CLUSTER} (no kubeconfig at ${kubeconfig}).`);
  const api = await ApiClient.fromKubeconfig(kubeconfig);
  let readyz: string;
  try {
    readyz = await api.getText('/readyz');
  } catch (error) {
    api.close();
    throw new Error(`${START_CLUSTER} (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (readyz.trim() !== 'ok') {
    api.close();
    throw new Error(`${START_CLUSTER} (/readyz answered ${JSON.stringify(readyz.slice(0, 200))}).`);
  }
  return api;
}

export function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      kubectlBinary,
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: 120_000, encoding: 'utf8' },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    );
  });
}

/** Applies crds/ (as the integration tests do) and waits until the SentimentModel CRD is Established. */
export async function installCrds(kubeconfig: string): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
  await kubectl(kubeconfig, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    `crd/${PLURAL}.${API_GROUP}`,
  ]);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Label on everything the benchmark creates outside its namespace; the value is the run's namespace. */
export const BENCH_RUN_LABEL = `${API_GROUP}/operator-bench`;

export async function createNamespace(api: ApiClient, name: string): Promise<void> {
  await api.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [BENCH_RUN_LABEL]: name } },
  });
  // Pods are refused until kube-controller-manager has created the default ServiceAccount.
  const deadline = Date.now() + 60_000;
  while (!(await api.find(`/api/v1/namespaces/${name}/serviceaccounts/default`))) {
    if (Date.now() > deadline) throw new Error(`no default ServiceAccount in namespace ${name} after 60 s`);
    await sleep(200);
  }
}

export async function deleteNamespace(api: ApiClient, name: string): Promise<void> {
  await api.delete(`/api/v1/namespaces/${name}`);
}

/**
 * Other operator processes on this machine that watch every namespace (no --watch-namespace flag):
 * they would reconcile the benchmark's models too, spoiling its figures and the other run. The local
 * cluster runs on this machine, so every operator pointed at it does as well. Only command lines are
 * read; an operator scoped by the WATCH_NAMESPACE variable instead of the flag is counted, to be safe.
 */
export function operatorsWatchingAll(ownPids: readonly number[], kubeconfig: string): string[] {
  const found: string[] = [];
  const ours = path.resolve(kubeconfig);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || ownPids.includes(Number(entry))) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!argv.some(isOperatorMain) || argv.some((a) => a === '--help' || a === '-h')) continue;
    // An operator of another cluster on this machine (another $KUBECONFIG) reconciles nothing here.
    if (kubeconfigOf(entry) !== ours) continue;
    const flag = argv.findIndex((a) => a === '--watch-namespace' || a.startsWith('--watch-namespace='));
    const scope =
      flag < 0 ? '' : argv[flag].includes('=') ? argv[flag].split('=')[1] : (argv[flag + 1] ?? '');
    if (scope === '') found.push(`pid ${entry}: ${argv.filter(Boolean).join(' ').slice(0, 200)}`);
  }
  return found;
}

/** The kubeconfig a process uses: its $KUBECONFIG, resolved against its working directory. */
function kubeconfigOf(pid: string): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const value = env.find((e) => e.startsWith('KUBECONFIG='))?.slice('KUBECONFIG='.length);
    return value ? path.resolve(readlinkSync(`/proc/${pid}/cwd`), value) : undefined;
  } catch {
    return undefined; // not ours to read: count it as another cluster's
  }
}

/** operator/dist/src/main.js, or a copy of the operator's build being compared (see --operator). */
function isOperatorMain(arg: string): boolean {
  return (
    arg.endsWith(path.join('dist', 'src', 'main.js')) &&
    arg.includes('operator') &&
    !arg.includes('model-server')
  );
}

interface NodeMeta {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
}

interface PodMeta {
  metadata: { name: string; namespace: string };
}

/**
 * A kwok node for the benchmark's pods. The local cluster's two kwok nodes take 110 pods each, fewer
 * than 500. Its CPU and memory are large so the scheduler's least-allocated scoring puts the run's
 * pods here and leaves the shared nodes' room to the people using them.
 */
export async function addKwokNode(api: ApiClient, name: string, run: string, pods: number): Promise<void> {
  const resources = { cpu: '1000', memory: '4000Gi', pods: String(pods) };
  await api.post('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        type: 'kwok',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        [BENCH_RUN_LABEL]: run,
      },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const node = await api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/api/v1/nodes/${name}`,
    );
    if (node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`kwok did not make node ${name} Ready within 60 s`);
    await sleep(250);
  }
}

async function podsOnNode(api: ApiClient, node: string): Promise<PodMeta[]> {
  return api.list<PodMeta>(
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
    METADATA_ONLY,
  );
}

/**
 * Cordons the benchmark's node and deletes it once no pod of another namespace runs there (theirs
 * would be deleted with the node). Waits up to `timeoutMs` for the run's own pods to go; returns a
 * warning when it had to leave the node behind.
 */
export async function removeKwokNode(
  api: ApiClient,
  name: string,
  run: string,
  timeoutMs: number,
): Promise<string | undefined> {
  if (!(await api.find(`/api/v1/nodes/${name}`))) return undefined;
  await api.patch(`/api/v1/nodes/${name}`, { spec: { unschedulable: true } });
  const deadline = Date.now() + timeoutMs;
  let foreign: PodMeta[] = [];
  for (;;) {
    const pods = await podsOnNode(api, name);
    foreign = pods.filter((p) => p.metadata.namespace !== run);
    if (pods.length === 0 || Date.now() > deadline) break;
    await sleep(2_000);
  }
  if (foreign.length > 0) {
    const list = foreign.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ');
    return `left the cordoned node ${name} in place: pods of other namespaces run on it (${list}); the next benchmark run deletes it once they are gone`;
  }
  await api.delete(`/api/v1/nodes/${name}`);
  return undefined;
}

/** Deletes nodes of earlier runs that were interrupted, when their run's namespace is gone and nothing runs on them. */
export async function removeStaleKwokNodes(api: ApiClient): Promise<string[]> {
  const nodes = await api.list<NodeMeta>(
    `/api/v1/nodes?labelSelector=${encodeURIComponent(BENCH_RUN_LABEL)}`,
    METADATA_ONLY,
  );
  const removed: string[] = [];
  for (const node of nodes) {
    const run = node.metadata.labels?.[BENCH_RUN_LABEL] ?? '';
    if (run && (await api.find(`/api/v1/namespaces/${run}`))) continue; // that run is still going
    if ((await podsOnNode(api, node.metadata.name)).length > 0) continue;
    await api.delete(`/api/v1/nodes/${node.metadata.name}`);
    removed.push(node.metadata.name);
  }
  return removed;
}

/** A SentimentModel like samples/basic.yaml with autoscaling off: Deployment, Service, ServiceMonitor, PrometheusRule. */
export function benchModel(name: string, options: { drift: boolean }): object {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: KIND,
    metadata: { name },
    spec: {
      model: { uri: 'file:///models/imdb.onnx' },
      replicas: 1,
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      autoscaling: { enabled: false },
      ...(options.drift ? {} : { drift: { enabled: false } }),
    },
  };
}

export const modelsPath = (ns: string): string =>
  `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${PLURAL}`;

/** Runs `task` on every item with at most `limit` at a time; the first error rejects. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(runners);
}
