// `make demo`: the story of the product on the local cluster, in six steps, leaving everything
// running for exploration. `make demo-down` (this script with --down) stops what it started.
//   node hack/tools/dist/src/demo/run-demo.js [--down]
// Two stories, by what `make cluster-up` could start (.testenv/ports.env says which):
// - with the real node (hack/node.sh): the operator runs in the cluster from its image, the model's
//   pods really run and serve through their Service, and Prometheus (on this machine) finds them
//   through the API server and is reached by the operator through a Service at the operator's default
//   Prometheus URL;
// - with kwok nodes only: the model's pods exist but serve nothing, so real model-server processes on
//   loopback stand in for them, and Prometheus scrapes those with the labels a ServiceMonitor would give.
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '@sentiment-operator/operator/dist/test/support/free-port';
import { imdbTestFile } from '@sentiment-operator/operator/dist/test/support/imdb';
import { inDistribution, shortInputs } from '@sentiment-operator/operator/dist/test/support/drift-traffic';
import { sendTraffic, type TrafficLoop } from '@sentiment-operator/operator/dist/test/support/load';
import { scrapeConfig } from '@sentiment-operator/operator/dist/test/support/scrape-config';
import { demoReviews, shiftedTexts } from './traffic';

const ROOT = findRoot(__dirname);
const STATE = path.join(ROOT, '.testenv', 'demo');
const KUBECONFIG = path.join(ROOT, '.testenv', 'kubeconfig');
const KUBECTL = existsSync(path.join(ROOT, '.testenv', 'bin', 'kubectl'))
  ? path.join(ROOT, '.testenv', 'bin', 'kubectl')
  : 'kubectl';
const NAMESPACE = 'sentiment-demo';
const OPERATOR_NAMESPACE = 'sentiment-operator-system';
const MODEL = 'imdb';
const REPLICAS = 2;
const IMDB_TEST = imdbTestFile(ROOT);
/** Short enough for a demo; a production model keeps the defaults (10m window, 60s interval). */
const DRIFT: Record<string, unknown> = { window: '30s', interval: '5s', minSamples: 500 };
// The generated reviews (traffic.ts) imitate IMDB reviews only, while the sample model's baselines
// describe its whole training mix (docs/model.md): their lengths and vocabulary would read as drift.
// Without ../shared the demo tells the story on the confidence and positive-rate signals alone.
if (!existsSync(IMDB_TEST))
  DRIFT.signals = { inputTokens: { enabled: false }, unknownTokens: { enabled: false } };

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'hack', 'cluster.sh'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no hack/cluster.sh above ${start}`);
  }
}

const started = Date.now();
const clock = (): string => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
const say = (text: string): void => console.log(`${clock()}  ${text}`);
const step = (n: number, text: string): void => console.log(`\n${clock()}  [${n}/6] ${text}`);

function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', KUBECONFIG, ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || error.message}`))
          : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Starts a process that outlives the demo; its pid goes to .testenv/demo/NAME.pid, its output to NAME.log. */
function daemon(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const log = openSync(path.join(STATE, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  writeFileSync(path.join(STATE, `${name}.pid`), String(child.pid));
  return child.pid!;
}

class ProcessDied extends Error {}

/** Probes `url` until it answers 2xx; fails at once, with the end of its log, if process `name` died. */
function readyProbe(name: string, pid: number, url: string): () => Promise<true | undefined> {
  return async () => {
    if (!alive(pid)) {
      const log = readFileSync(path.join(STATE, `${name}.log`), 'utf8')
        .trim()
        .split('\n')
        .slice(-3)
        .join('\n');
      throw new ProcessDied(`${name} exited; the end of .testenv/demo/${name}.log:\n${log}`);
    }
    return httpOk(url);
  };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof ProcessDied) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const httpOk = async (url: string): Promise<true | undefined> => ((await fetch(url)).ok ? true : undefined);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops every process an earlier run started (SIGTERM to its process group, then SIGKILL). */
async function stopDaemons(): Promise<number> {
  if (!existsSync(STATE)) return 0;
  const pids = readdirSync(STATE)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(path.join(STATE, f), 'utf8')))
    .filter((pid) => pid > 0 && alive(pid));
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      process.kill(pid, 'SIGTERM');
    }
  }
  const deadline = Date.now() + 25_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  return pids.length;
}

interface DemoTexts {
  source: string;
  inDistribution: string[];
  shifted: string[];
}

function demoTexts(): DemoTexts {
  if (existsSync(IMDB_TEST)) {
    const texts = inDistribution(ROOT, 3000);
    return {
      source: `test splits of the sample model's data sets (${path.relative(ROOT, path.dirname(path.dirname(IMDB_TEST)))}/imdb and reviews) in its training proportions; shifted = the first sentence of each`,
      inDistribution: texts,
      shifted: shortInputs(texts),
    };
  }
  return {
    source:
      'reviews generated by hack/tools/src/demo/traffic.ts (../shared/datasets is absent); shifted = short snippets',
    inDistribution: demoReviews(3000, 42),
    shifted: shiftedTexts(3000, 42),
  };
}

interface SignalView {
  name: string;
  state: string;
  score?: number;
}
interface ModelView {
  metadata: { annotations?: Record<string, string> };
  status?: {
    drift?: { status?: string; score?: number; samples?: number; message?: string; signals?: SignalView[] };
  };
}

/** `confidence Healthy 0.0123, inputTokens Drifted 4.1234, …`: what each drift signal says. */
const signalsLine = (signals: readonly SignalView[] = []): string =>
  signals
    .map((s) => `${s.name} ${s.state}${s.score !== undefined ? ` ${s.score.toFixed(4)}` : ''}`)
    .join(', ');

async function model(): Promise<ModelView> {
  return JSON.parse(
    await kubectl(['-n', NAMESPACE, 'get', 'sentimentmodel', MODEL, '-o', 'json']),
  ) as ModelView;
}

async function waitForDrift(want: string, timeoutMs: number): Promise<ModelView> {
  let shown = '';
  return waitFor(`drift status ${want}`, timeoutMs, async () => {
    const m = await model();
    const d = m.status?.drift;
    const line = `drift ${d?.status ?? 'not evaluated yet'}${d?.samples !== undefined ? ` (${d.samples} predictions in the window)` : ''}${d?.signals?.length ? `: ${signalsLine(d.signals)}` : ''}`;
    if (line !== shown) say(`  ${line}`);
    shown = line;
    // The status and the annotations are two writes: show them once both say it.
    const annotated = m.metadata.annotations?.['sentimentops.dev/drift-status'] === want;
    return d?.status === want && annotated ? m : undefined;
  });
}

async function printModels(): Promise<void> {
  console.log(`\n$ kubectl get sentimentmodels -n ${NAMESPACE}`);
  console.log((await kubectl(['-n', NAMESPACE, 'get', 'sentimentmodels'])).trimEnd());
}

/** samples/basic.yaml as NAMESPACE/MODEL with the demo's `drift` settings, once it is Ready. */
async function applyBasicSample(drift: Record<string, unknown>): Promise<void> {
  const sample = parse(readFileSync(path.join(ROOT, 'samples/basic.yaml'), 'utf8')) as {
    spec: Record<string, unknown>;
  };
  sample.spec.drift = drift;
  await kubectl(['-n', NAMESPACE, 'apply', '--server-side', '-f', '-'], JSON.stringify(sample));
  say(
    `applied samples/basic.yaml as ${NAMESPACE}/${MODEL}, drift window ${DRIFT.window}, interval ${DRIFT.interval} (demo settings)`,
  );
  // Real pods take longer to become ready than kwok's.
  await kubectl([
    '-n',
    NAMESPACE,
    'wait',
    '--for=condition=Ready',
    `sentimentmodel/${MODEL}`,
    '--timeout=180s',
  ]);
  await printModels();
}

/** Steps 4 and 5: in-distribution traffic to `servers` until Healthy, then shifted traffic until Drifted. */
async function tellDriftStory(servers: readonly (number | string)[]): Promise<void> {
  const texts = demoTexts();
  say(`traffic: ${texts.source}`);
  let current = texts.inDistribution;
  const traffic: TrafficLoop = sendTraffic(servers, () => current, { batch: 20, everyMs: 100 });
  try {
    step(4, 'Send in-distribution traffic: the drift status becomes Healthy');
    await waitForDrift('Healthy', 180_000);
    await printModels();

    step(5, 'Send shifted traffic: the drift status becomes Drifted');
    current = texts.shifted;
    const drifted = await waitForDrift('Drifted', 180_000);
    await printModels();
    // which signal moved, in the words of the status message
    console.log(`\nstatus.drift.message: ${drifted.status?.drift?.message ?? ''}`);
    console.log('\nannotations:');
    for (const [k, v] of Object.entries(drifted.metadata.annotations ?? {})) {
      if (k.startsWith('sentimentops.dev/')) console.log(`  ${k}: ${v}`);
    }
    console.log(`\n$ kubectl get events -n ${NAMESPACE} --field-selector reason=DriftDrifted`);
    console.log(
      (
        await kubectl(['-n', NAMESPACE, 'get', 'events', '--field-selector', 'reason=DriftDrifted'])
      ).trimEnd(),
    );
  } finally {
    say(`sent ${await traffic.stop()} predictions`);
  }
}

function requirePrometheus(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('prometheus', ['--version'], (error) =>
      error
        ? reject(new Error('prometheus is not installed: run `make system-deps` (Debian package prometheus)'))
        : resolve(),
    ),
  );
}

/** What hack/cluster.sh recorded about the running cluster: its mode and, with a real node, its address. */
function clusterInfo(): { realNode: boolean; nodeIp: string; nodeName: string } {
  const file = path.join(ROOT, '.testenv', 'ports.env');
  const env = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(env)?.[1];
  return {
    realNode: get('CLUSTER_MODE') === 'real-node',
    nodeIp: get('NODE_IP') ?? '',
    nodeName: get('NODE_NAME') ?? '',
  };
}

async function up(): Promise<void> {
  if (!existsSync(KUBECONFIG)) throw new Error(`${KUBECONFIG} is missing: run \`make cluster-up\` first`);
  const cluster = clusterInfo();
  if (cluster.realNode) return upWithRealNode(cluster.nodeIp, cluster.nodeName);
  await requirePrometheus();
  if ((await stopDaemons()) > 0) say('stopped the processes of an earlier demo');
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const ports = {
    operator: await freePort(),
    prometheus: await freePort(),
    servers: [] as number[],
  };
  for (let i = 0; i < REPLICAS; i++) ports.servers.push(await freePort());
  writeFileSync(path.join(STATE, 'ports.json'), JSON.stringify(ports, null, 2));
  const prometheusUrl = `http://127.0.0.1:${ports.prometheus}`;

  step(1, 'Install the CRD, start the operator and apply samples/basic.yaml');
  await kubectl(['apply', '--server-side', '--force-conflicts', '-f', path.join(ROOT, 'crds')]);
  await kubectl(['wait', '--for=condition=Established', 'crd/sentimentmodels.sentimentops.dev']);
  const operatorPid = daemon(
    'operator',
    process.execPath,
    [
      path.join(ROOT, 'operator/dist/src/main.js'),
      '--leader-elect=false',
      `--watch-namespace=${NAMESPACE}`,
      `--metrics-port=${ports.operator}`,
      `--prometheus-url=${prometheusUrl}`,
    ],
    { KUBECONFIG },
  );
  await waitFor(
    'the operator',
    60_000,
    readyProbe('operator', operatorPid, `http://127.0.0.1:${ports.operator}/readyz`),
  );
  say(
    `operator running (metrics on http://127.0.0.1:${ports.operator}/metrics, log .testenv/demo/operator.log)`,
  );
  await kubectl(['create', 'namespace', NAMESPACE]).catch(() => undefined);
  // A model left by an earlier run would carry its old drift status into the story.
  await kubectl(['-n', NAMESPACE, 'delete', 'sentimentmodel', MODEL, '--ignore-not-found', '--wait=true']);
  await applyBasicSample({ ...DRIFT, prometheusUrl });

  step(2, `Start ${REPLICAS} model-server processes in place of the model's pods`);
  say('the local control plane runs no containers: its pods are kwok fakes, so real servers run on loopback');
  for (const [i, port] of ports.servers.entries()) {
    daemon(
      `model-server-${i}`,
      process.execPath,
      [path.join(ROOT, 'model-server/dist/src/main.js'), 'serve'],
      {
        MODEL_PATH: path.join(ROOT, 'samples/models/imdb.onnx'),
        MODEL_NAME: MODEL,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
    );
  }
  for (const port of ports.servers) {
    await waitFor(`the model server on ${port}`, 60_000, () =>
      httpOk(`http://127.0.0.1:${port}/v2/health/ready`),
    );
  }
  say(`model servers ready on ${ports.servers.map((p) => `http://127.0.0.1:${p}`).join(', ')}`);

  step(3, 'Start Prometheus, scraping them with the labels a ServiceMonitor gives');
  const config = scrapeConfig([
    ...ports.servers.map((port, i) => ({
      job: `sentiment-model-server-${i}`,
      target: `127.0.0.1:${port}`,
      labels: { namespace: NAMESPACE, service: MODEL, pod: `${MODEL}-${i}` },
    })),
    { job: 'sentiment-operator', target: `127.0.0.1:${ports.operator}`, honorLabels: true },
  ]);
  writeFileSync(path.join(STATE, 'prometheus.yml'), config);
  const prometheusPid = daemon('prometheus', 'prometheus', [
    `--config.file=${path.join(STATE, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(STATE, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    '--storage.tsdb.retention.time=1d',
  ]);
  await waitFor('Prometheus', 60_000, readyProbe('prometheus', prometheusPid, `${prometheusUrl}/-/ready`));
  say(`Prometheus ready on ${prometheusUrl}`);

  await tellDriftStory(ports.servers);
  step(6, 'Where to look next');
  console.log(`  export KUBECONFIG=${KUBECONFIG}`);
  console.log(`  kubectl describe sentimentmodel ${MODEL} -n ${NAMESPACE}`);
  console.log(
    `  Prometheus:        ${prometheusUrl}  (try sentimentops_drift_score, sentiment_prediction_confidence_bucket)`,
  );
  console.log(`  operator metrics:  http://127.0.0.1:${ports.operator}/metrics`);
  console.log(`  model servers:     ${ports.servers.map((p) => `http://127.0.0.1:${p}/predict`).join(', ')}`);
  console.log('  logs:              .testenv/demo/*.log');
  console.log('  stop everything:   make demo-down');
}

/**
 * Prometheus on this machine scraping the model's pods and the operator's by their IPs, from a file
 * the demo keeps current (Debian's Prometheus is built without Kubernetes service discovery), with
 * the labels the generated ServiceMonitor gives (resources/servicemonitor.ts).
 */
function fileScrapeConfig(targetsFile: string): string {
  const job = (name: string, honorLabels: boolean) => ({
    job_name: name,
    honor_labels: honorLabels,
    file_sd_configs: [{ files: [targetsFile], refresh_interval: '2s' }],
    relabel_configs: [
      { source_labels: ['job_hint'], regex: name, action: 'keep' },
      { regex: 'job_hint', action: 'labeldrop' },
    ],
  });
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: [job('sentiment-model-server', false), job('sentiment-operator', true)],
  });
}

interface PodList {
  items: {
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    status: { podIP?: string; phase?: string };
    spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] };
  }[];
}

/** Writes the scrape targets (running pods of the model and of the operator) for file_sd. */
async function writePodTargets(file: string): Promise<number> {
  const targets: { targets: string[]; labels: Record<string, string> }[] = [];
  const add = (list: PodList, portName: string, job: string) => {
    for (const pod of list.items) {
      const port = pod.spec.containers[0]?.ports?.find((p) => p.name === portName)?.containerPort;
      if (pod.status.phase !== 'Running' || !pod.status.podIP || !port) continue;
      targets.push({
        targets: [`${pod.status.podIP}:${port}`],
        labels: {
          job_hint: job,
          namespace: pod.metadata.namespace,
          pod: pod.metadata.name,
          service: pod.metadata.labels?.['app.kubernetes.io/instance'] ?? '',
        },
      });
    }
  };
  const pods = async (ns: string, app: string) =>
    JSON.parse(
      await kubectl(['-n', ns, 'get', 'pods', '-l', `app.kubernetes.io/name=${app}`, '-o', 'json']),
    ) as PodList;
  add(await pods(NAMESPACE, 'sentiment-model-server'), 'http', 'sentiment-model-server');
  add(await pods(OPERATOR_NAMESPACE, 'sentiment-operator'), 'metrics', 'sentiment-operator');
  writeFileSync(`${file}.tmp`, JSON.stringify(targets, null, 2));
  renameSync(`${file}.tmp`, file);
  return targets.length;
}

/** The real-node story: the operator from its image, real pods, the Service, Prometheus through a Service. */
async function upWithRealNode(nodeIp: string, nodeName: string): Promise<void> {
  await requirePrometheus();
  if ((await stopDaemons()) > 0) say('stopped the processes of an earlier demo');
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const promPort = await freePort();
  const prometheusUrl = `http://${nodeIp}:${promPort}`;

  step(1, 'Deploy the operator into the cluster from its image (make deploy: config/default)');
  say(`the cluster has a real node, ${nodeName} (${nodeIp}): containerd runs the pods`);
  await kubectl(['apply', '--server-side', '--force-conflicts', '-k', path.join(ROOT, 'config', 'default')]);
  await kubectl([
    '-n',
    OPERATOR_NAMESPACE,
    'rollout',
    'status',
    'deployment/sentiment-operator',
    '--timeout=180s',
  ]);
  console.log(`\n$ kubectl get pods -n ${OPERATOR_NAMESPACE} -o wide`);
  console.log((await kubectl(['-n', OPERATOR_NAMESPACE, 'get', 'pods', '-o', 'wide'])).trimEnd());

  step(2, 'Apply samples/basic.yaml: real model-server pods behind a Service');
  await kubectl(['create', 'namespace', NAMESPACE]).catch(() => undefined);
  await kubectl(['-n', NAMESPACE, 'delete', 'sentimentmodel', MODEL, '--ignore-not-found', '--wait=true']);
  // No prometheusUrl: the operator's default, http://prometheus-operated.monitoring.svc:9090, which
  // step 3 points at the Prometheus on this machine.
  await applyBasicSample(DRIFT);
  console.log(`\n$ kubectl get pods,services -n ${NAMESPACE} -o wide`);
  console.log((await kubectl(['-n', NAMESPACE, 'get', 'pods,services', '-o', 'wide'])).trimEnd());
  const svc = JSON.parse(await kubectl(['-n', NAMESPACE, 'get', 'service', MODEL, '-o', 'json'])) as {
    spec: { clusterIP: string; ports: { port: number }[] };
  };
  const serviceUrl = `http://${svc.spec.clusterIP}:${svc.spec.ports[0].port}`;

  step(3, 'Start Prometheus, scraping the pods by their IPs; the operator reaches it by its default URL');
  const targetsFile = path.join(STATE, 'targets.json');
  await writePodTargets(targetsFile);
  writeFileSync(path.join(STATE, 'prometheus.yml'), fileScrapeConfig(targetsFile));
  const prometheusPid = daemon('prometheus', 'prometheus', [
    `--config.file=${path.join(STATE, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(STATE, 'prometheus-data')}`,
    `--web.listen-address=${nodeIp}:${promPort}`,
    '--storage.tsdb.retention.time=1d',
  ]);
  await waitFor('Prometheus', 60_000, readyProbe('prometheus', prometheusPid, `${prometheusUrl}/-/ready`));
  await kubectl(['apply', '--server-side', '-f', '-'], prometheusServiceManifest(nodeIp, promPort));
  say(`Prometheus ready on ${prometheusUrl}, and in the cluster as prometheus-operated.monitoring.svc:9090`);
  await waitFor('Prometheus to scrape the model pods', 60_000, async () => {
    const res = await fetch(
      `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(`up{namespace="${NAMESPACE}"}`)}`,
    );
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    return body.data?.result?.some((r) => r.value[1] === '1') ? true : undefined;
  });

  say(`traffic goes to the Service, ${serviceUrl}, from this machine`);
  // The HPA may add pods under the demo's load: keep the scrape targets current while it runs.
  const refresh = setInterval(() => void writePodTargets(targetsFile).catch(() => undefined), 3000);
  try {
    await tellDriftStory([serviceUrl]);
  } finally {
    clearInterval(refresh);
  }

  step(6, 'Where to look next');
  console.log(`  export KUBECONFIG=${KUBECONFIG}`);
  console.log(`  kubectl describe sentimentmodel ${MODEL} -n ${NAMESPACE}`);
  console.log(
    `  kubectl get pods,hpa -n ${NAMESPACE}; kubectl logs -n ${OPERATOR_NAMESPACE} deploy/sentiment-operator`,
  );
  console.log(
    `  kubectl port-forward -n ${NAMESPACE} svc/${MODEL} 8080:${svc.spec.ports[0].port}   (then http://127.0.0.1:8080/predict)`,
  );
  console.log(
    `  Prometheus:        ${prometheusUrl}  (try sentimentops_drift_score, sentiment_prediction_confidence_bucket)`,
  );
  console.log(`  the Service:       ${serviceUrl}/predict`);
  console.log('  stop everything:   make demo-down');
}

/** The operator's default Prometheus URL, a Service without a selector, pointing at this machine's. */
function prometheusServiceManifest(nodeIp: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'prometheus-operated', namespace: 'monitoring' },
        spec: { ports: [{ name: 'web', port: 9090, targetPort: port, protocol: 'TCP' }] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'prometheus-operated-host',
          namespace: 'monitoring',
          labels: { 'kubernetes.io/service-name': 'prometheus-operated' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'web', port, protocol: 'TCP' }],
        endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }],
      },
    ],
  });
}

async function down(): Promise<void> {
  const stopped = await stopDaemons();
  rmSync(STATE, { recursive: true, force: true });
  say(`stopped ${stopped} demo process(es)`);
}

const action = process.argv.includes('--down') ? down : up;
action().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error('logs: .testenv/demo/*.log; `make demo-down` stops what was started');
    process.exit(1);
  },
);
