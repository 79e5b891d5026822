// `make demo`: the story of the product on the local control plane, in six steps, leaving everything
// running for exploration. `make demo-down` (this script with --down) stops what it started.
//   node hack/tools/dist/src/demo/run-demo.js [--down]
// The local control plane runs no containers: the model's pods exist (kwok fakes them) but serve
// nothing, so real model-server processes on loopback stand in for them, and Prometheus scrapes those
// with the labels a ServiceMonitor would give the pods.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { freePort } from '@sentiment-operator/operator/dist/test/support/free-port';
import {
  firstSentence,
  imdbReviews,
  imdbTestFile,
} from '@sentiment-operator/operator/dist/test/support/imdb';
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
const MODEL = 'imdb';
const REPLICAS = 2;
const IMDB_TEST = imdbTestFile(ROOT);
/** Short enough for a demo; a production model keeps the defaults (10m window, 60s interval). */
const DRIFT = { window: '30s', interval: '5s', minSamples: 500 };

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
    const reviews = imdbReviews(IMDB_TEST, 3000);
    return {
      source: `IMDB test reviews from ${path.relative(ROOT, IMDB_TEST)}; shifted = their first sentence only`,
      inDistribution: reviews,
      shifted: reviews.map(firstSentence),
    };
  }
  return {
    source:
      'reviews generated by hack/tools/src/demo/traffic.ts (../shared/datasets is absent); shifted = short snippets',
    inDistribution: demoReviews(3000, 42),
    shifted: shiftedTexts(3000, 42),
  };
}

interface ModelView {
  metadata: { annotations?: Record<string, string> };
  status?: { drift?: { status?: string; score?: number; samples?: number; message?: string } };
}

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
    const line = `drift ${d?.status ?? 'not evaluated yet'}${d?.score !== undefined ? `, PSI ${d.score.toFixed(4)}` : ''}${d?.samples !== undefined ? `, ${d.samples} predictions in the window` : ''}`;
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

function requirePrometheus(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('prometheus', ['--version'], (error) =>
      error
        ? reject(new Error('prometheus is not installed: run `make system-deps` (Debian package prometheus)'))
        : resolve(),
    ),
  );
}

async function up(): Promise<void> {
  if (!existsSync(KUBECONFIG)) throw new Error(`${KUBECONFIG} is missing: run \`make cluster-up\` first`);
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
  const sample = parse(readFileSync(path.join(ROOT, 'samples/basic.yaml'), 'utf8')) as {
    spec: Record<string, unknown>;
  };
  sample.spec.drift = { ...DRIFT, prometheusUrl };
  await kubectl(['-n', NAMESPACE, 'apply', '--server-side', '-f', '-'], JSON.stringify(sample));
  say(
    `applied samples/basic.yaml as ${NAMESPACE}/${MODEL}, drift window ${DRIFT.window}, interval ${DRIFT.interval} (demo settings)`,
  );
  await kubectl([
    '-n',
    NAMESPACE,
    'wait',
    '--for=condition=Ready',
    `sentimentmodel/${MODEL}`,
    '--timeout=120s',
  ]);
  await printModels();

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

  const texts = demoTexts();
  say(`traffic: ${texts.source}`);
  let current = texts.inDistribution;
  const traffic: TrafficLoop = sendTraffic(ports.servers, () => current, { batch: 20, everyMs: 100 });
  try {
    step(4, 'Send in-distribution traffic: the drift status becomes Healthy');
    await waitForDrift('Healthy', 180_000);
    await printModels();

    step(5, 'Send shifted traffic: the drift status becomes Drifted');
    current = texts.shifted;
    const drifted = await waitForDrift('Drifted', 180_000);
    await printModels();
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
