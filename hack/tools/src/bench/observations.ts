// What the benchmark observes from outside the operator: the run's objects as the API server lists
// them, the API server's request counters, and how long the control plane's own clients waited in
// their client-side rate limiters. These tell where the time goes when the operator is not the limit.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MANAGED_BY } from '@sentiment-operator/operator/dist/src/api/names';
import { METADATA_ONLY, type ApiClient } from './api-client';
import { modelsPath } from './bench-cluster';
import type { ApiserverCounters, Throttling } from './operator-bench-report';
import { byLabels, parseMetrics, sumOf } from '@sentiment-operator/contract';

interface ModelObject {
  metadata: { name: string; generation?: number };
  status?: { conditions?: { type: string; status: string }[] };
}

interface DeploymentObject {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; updatedReplicas?: number };
}

const isReady = (m: ModelObject): boolean =>
  m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** What one poll of the API server sees. */
export interface Census {
  ready: number;
  deployments: number;
  /** Deployments with every desired replica updated and ready */
  deploymentsReady: number;
  /** the count of the least numerous child kind; undefined when not counted this time */
  children?: number;
}

const OTHER_CHILDREN = (ns: string): string[] => [
  `/api/v1/namespaces/${ns}/services`,
  `/apis/monitoring.coreos.com/v1/namespaces/${ns}/servicemonitors`,
  `/apis/monitoring.coreos.com/v1/namespaces/${ns}/prometheusrules`,
];

/** The run's models and Deployments; the other child kinds too while `countChildren` (metadata only). */
export async function census(api: ApiClient, ns: string, countChildren: boolean): Promise<Census> {
  const [models, deployments, ...others] = await Promise.all([
    api.list<ModelObject>(modelsPath(ns)),
    api.list<DeploymentObject>(`/apis/apps/v1/namespaces/${ns}/deployments`),
    ...(countChildren ? OTHER_CHILDREN(ns).map((p) => api.list<unknown>(p, METADATA_ONLY)) : []),
  ]);
  const deploymentsReady = deployments.filter((d) => {
    const want = d.spec?.replicas ?? 1;
    return (d.status?.readyReplicas ?? 0) >= want && (d.status?.updatedReplicas ?? 0) >= want;
  }).length;
  return {
    ready: models.filter(isReady).length,
    deployments: deployments.length,
    deploymentsReady,
    children: countChildren ? Math.min(deployments.length, ...others.map((o) => o.length)) : undefined,
  };
}

/** Objects in the run's namespace as the API server counts them after the run. */
export async function apiserverView(
  api: ApiClient,
  ns: string,
  node: string,
  identity: string,
): Promise<{ rows: string[][]; foreignEvents: number }> {
  const count = async (p: string): Promise<string> =>
    String((await api.list<unknown>(p, METADATA_ONLY)).length);
  const models = await api.list<ModelObject>(modelsPath(ns));
  const pods = await api.list<{ spec?: { nodeName?: string }; status?: { phase?: string } }>(
    `/api/v1/namespaces/${ns}/pods`,
  );
  const events = await api.list<{ reportingComponent?: string; reportingInstance?: string }>(
    `/api/v1/namespaces/${ns}/events`,
  );
  const ours = events.filter((e) => e.reportingComponent === MANAGED_BY);
  const foreign = ours.filter((e) => e.reportingInstance !== identity).length;
  const running = pods.filter((p) => p.status?.phase === 'Running').length;
  const onNode = pods.filter((p) => p.spec?.nodeName === node).length;
  const firstGeneration = models.filter((m) => m.metadata.generation === 1).length;
  const rows: string[][] = [
    [
      'SentimentModels (Ready=True; generation 1, i.e. spec never written)',
      `${models.length} (${models.filter(isReady).length}; ${firstGeneration})`,
    ],
    ['Deployments', await count(`/apis/apps/v1/namespaces/${ns}/deployments`)],
    ['ReplicaSets', await count(`/apis/apps/v1/namespaces/${ns}/replicasets`)],
    [`Pods (Running; on the run's kwok node)`, `${pods.length} (${running}; ${onNode})`],
    ['Services', await count(`/api/v1/namespaces/${ns}/services`)],
    ['ServiceMonitors', await count(`/apis/monitoring.coreos.com/v1/namespaces/${ns}/servicemonitors`)],
    ['PrometheusRules', await count(`/apis/monitoring.coreos.com/v1/namespaces/${ns}/prometheusrules`)],
    [
      'HorizontalPodAutoscalers',
      await count(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`),
    ],
    ['PodDisruptionBudgets', await count(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`)],
    [`Events from ${MANAGED_BY} (from another instance)`, `${ours.length} (${foreign})`],
  ];
  return { rows, foreignEvents: foreign };
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

/** The request counters of the API server's /metrics (about 4 MB of text; read twice per run). */
export async function apiserverCounters(api: ApiClient): Promise<ApiserverCounters> {
  const samples = parseMetrics(await api.getText('/metrics'));
  const writes = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== 'apiserver_request_total' || !WRITE_VERBS.has(s.labels.verb)) continue;
    const sub = s.labels.subresource ? `/${s.labels.subresource}` : '';
    const key = `${s.labels.verb} ${s.labels.resource}${sub}`;
    writes.set(key, (writes.get(key) ?? 0) + s.value);
  }
  return {
    byFlowSchema: byLabels(samples, 'apiserver_flowcontrol_dispatched_requests_total', ['flow_schema']),
    waitByFlowSchema: byLabels(samples, 'apiserver_flowcontrol_request_wait_duration_seconds_sum', [
      'flow_schema',
    ]),
    writes,
  };
}

/** The components whose client-side throttling is reported, by their port's name in ports.env. */
export const THROTTLED_COMPONENTS: readonly [string, string][] = [
  ['kube-controller-manager', 'KCM_PORT'],
  ['kube-scheduler', 'SCHEDULER_PORT'],
];

/** Ports of the local control plane's components, from the file hack/cluster.sh writes. */
export function componentPorts(testenv: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const line of readFileSync(path.join(testenv, 'ports.env'), 'utf8').split('\n')) {
      const m = /^(\w+)=(\d+)$/.exec(line.trim());
      if (m) out.set(m[1], Number(m[2]));
    }
  } catch {
    // no ports file: the component figures are reported as not measured
  }
  return out;
}

/** The time a component's client-go clients spent in their own rate limiter (its --kube-api-qps). */
export async function clientThrottling(
  api: ApiClient,
  port: number | undefined,
): Promise<Throttling | undefined> {
  if (port === undefined) return undefined;
  try {
    const samples = parseMetrics(await api.componentMetrics(port));
    return {
      requests: sumOf(samples, 'rest_client_rate_limiter_duration_seconds_count'),
      waitSeconds: sumOf(samples, 'rest_client_rate_limiter_duration_seconds_sum'),
    };
  } catch {
    return undefined; // a figure that cannot be read is reported as missing, not as an error
  }
}

/** pids of the local control plane's components, from hack/cluster.sh's pid files. */
export function controlPlanePids(testenv: string): Map<string, number> {
  const dir = path.join(testenv, 'pids');
  const out = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pid'))) {
    out.set(file.slice(0, -4), Number(readFileSync(path.join(dir, file), 'utf8').trim()));
  }
  return out;
}
