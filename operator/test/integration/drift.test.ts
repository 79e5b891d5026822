// Drift end to end, with real parts only: the local control plane, the operator, two real model
// servers standing in for the model's pods (the local control plane runs no containers) and a real
// Prometheus scraping them with the labels a ServiceMonitor gives (namespace, service, pod).
//
// The traffic (test/support/drift-traffic.ts): texts like the sample model's held-out split, then
// three shifts. All of it: only the first sentence of each text, what a model meets when a client
// starts sending titles or previews (the text-length signal moves most). In part: 30 % and 60 % of
// prose from another domain, the repository's documentation, mixed into in-distribution traffic
// (the unknown-token share moves most). docs/drift.md ("Sensitivity") has the figures per share.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  apply,
  createTestNamespace,
  deleteNamespace,
  getOrUndefined,
  kubectl,
  repoRoot,
  requireCluster,
  sleep,
  waitFor,
} from '../support/cluster';
import { startOperator, type OperatorProcess } from '../support/operator';
import type { DriftSignal } from '@sentiment-operator/contract';
import { SIGNAL_TITLES } from '../../src/drift/signals';
import { inDistribution, mix, otherDomain, shortInputs } from '../support/drift-traffic';
import { sendTraffic, startModelServer, type Proc } from '../support/processes';
import { startPrometheus, type PrometheusProcess, type ScrapeJob } from '../support/prometheus';

interface Signal {
  name: string;
  state: string;
  score?: number;
  warningThreshold: number;
  criticalThreshold: number;
}
interface Drift {
  signals?: Signal[];
  status?: string;
  score?: number;
  samples?: number;
  meanConfidence?: number;
  message?: string;
  lastEvaluated?: string;
}
interface Model {
  metadata: { annotations?: Record<string, string> };
  status?: {
    drift?: Drift;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const NAME = 'imdb';
const WINDOW_S = 10;
const INTERVAL_S = 3;
const MIN_SAMPLES = 500;

describe('drift on the SentimentModel, with a real Prometheus', function () {
  this.timeout(20 * 60_000);
  let ns: string;
  let op: OperatorProcess | undefined;
  let servers: Proc[] = [];
  let prometheus: PrometheusProcess | undefined;
  let dir: string | undefined;
  let jobs: ScrapeJob[] = [];
  let traffic: { stop(): Promise<number>; sent(): number } | undefined;
  let texts: string[] = [];
  let healthyMeanConfidence = 1;
  const gauge = (status: string): Record<string, string> => ({ namespace: ns, sentimentmodel: NAME, status });
  const reviews = inDistribution(repoRoot, 5_000);
  const shifted = shortInputs(reviews);
  const docs = otherDomain(repoRoot);
  const signals = (m: Model): string =>
    (m.status?.drift?.signals ?? []).map((s) => `${s.name} ${s.state} ${s.score ?? '-'}`).join(', ');

  const model = async (): Promise<Model> => (await getOrUndefined<Model>('sentimentmodel', NAME, ns))!;
  const waitStatus = async (want: string, timeoutMs: number): Promise<Model> =>
    waitFor(
      async () => {
        const m = await model();
        // The status and the annotations are two writes; wait for both.
        const annotated = m.metadata.annotations?.['sentimentops.dev/drift-status'] === want;
        return m.status?.drift?.status === want && annotated && m;
      },
      { timeoutMs, intervalMs: 500, what: `drift status ${want}` },
    );

  before(async function () {
    await requireCluster();
    await kubectl(['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    ns = await createTestNamespace('drift');
    servers = [await startModelServer(NAME, `${NAME}-0`), await startModelServer(NAME, `${NAME}-1`)];
    dir = await mkdtemp(path.join(tmpdir(), 'sentiment-drift-'));
    jobs = servers.map((s, i) => ({
      job: `sentiment-model-server-${i}`,
      target: `127.0.0.1:${s.port}`,
      labels: { namespace: ns, service: NAME, pod: `${NAME}-${i}` },
    }));
    prometheus = await startPrometheus(dir, jobs);
    op = startOperator('drift', [
      `--watch-namespace=${ns}`,
      `--leader-election-namespace=${ns}`,
      '--leader-election-id=sentiment-operator-drift',
    ]);
    await apply(
      {
        apiVersion: 'sentimentops.dev/v1alpha1',
        kind: 'SentimentModel',
        metadata: { name: NAME },
        spec: {
          model: { uri: 'file:///models/imdb.onnx' },
          drift: {
            prometheusUrl: prometheus.url,
            window: `${WINDOW_S}s`,
            interval: `${INTERVAL_S}s`,
            minSamples: MIN_SAMPLES,
          },
        },
      },
      ns,
    );
    texts = reviews;
    traffic = sendTraffic(
      servers.map((s) => s.port),
      () => texts,
      { batch: 25, everyMs: 100 },
    );
  });

  after(async function () {
    await traffic?.stop();
    await op?.kill();
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    for (const s of servers) await s.stop();
    if (ns) await deleteNamespace(ns);
  });

  it('reports Healthy for in-distribution traffic', async function () {
    const m = await waitStatus('Healthy', 90_000);
    const drift = m.status!.drift!;
    assert.ok(drift.samples! >= MIN_SAMPLES, `samples ${drift.samples}`);
    assert.ok(drift.score! < 0.1, `score ${drift.score}`);
    assert.equal(m.metadata.annotations?.['sentimentops.dev/drift-status'], 'Healthy');
    assert.match(m.metadata.annotations?.['sentimentops.dev/drift-score'] ?? '', /^\d+\.\d{4}$/);
    assert.equal(m.status!.conditions!.find((c) => c.type === 'DriftDetected')?.status, 'False');
    // every signal has a baseline in the sample model, and every one of them is Healthy
    assert.deepEqual(
      drift.signals?.map((s) => [s.name, s.state]),
      ['confidence', 'inputTokens', 'unknownTokens', 'positiveRate'].map((n) => [n, 'Healthy']),
      signals(m),
    );
    healthyMeanConfidence = drift.meanConfidence!;
    console.log(
      `      Healthy: ${signals(m)}; mean confidence ${drift.meanConfidence}, ${drift.samples} predictions in ${WINDOW_S}s`,
    );
  });

  it('reports Drifted for shifted traffic, with the annotation, the condition and an Event', async function () {
    const shiftedAt = Date.now();
    texts = shifted;
    // The window fills with shifted traffic within WINDOW_S; then two agreeing evaluations.
    // the overall status is the worst confirmed signal, so it can turn Drifted on one signal a few
    // evaluations before the text-length signal confirms its own Drifted: wait for both
    await waitStatus('Drifted', (WINDOW_S + 3 * INTERVAL_S + 15) * 1000);
    const m = await waitFor(
      async () => {
        const got = await model();
        return got.status?.drift?.signals?.find((s) => s.name === 'inputTokens')?.state === 'Drifted' && got;
      },
      { timeoutMs: 3 * INTERVAL_S * 1000, intervalMs: 500, what: 'the text-length signal Drifted' },
    );
    const seconds = (Date.now() - shiftedAt) / 1000;
    const drift = m.status!.drift!;
    assert.ok(drift.score! > 0.25, `score ${drift.score}`);
    assert.equal(m.metadata.annotations?.['sentimentops.dev/drift-status'], 'Drifted');
    assert.ok(m.metadata.annotations?.['sentimentops.dev/drift-evaluated-at']);
    const condition = m.status!.conditions!.find((c) => c.type === 'DriftDetected');
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, 'Drifted');
    // the text-length signal moved, and the condition says so in words
    assert.equal(drift.signals?.find((s) => s.name === 'inputTokens')?.state, 'Drifted', signals(m));
    assert.match(condition?.message ?? '', /text length/);
    const events = await kubectl([
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${NAME},reason=DriftDrifted`,
      '-o',
      'jsonpath={.items[*].message}',
    ]);
    assert.match(events, /-> Drifted/);
    assert.ok(
      drift.meanConfidence! < healthyMeanConfidence - 0.05,
      `mean confidence ${drift.meanConfidence}, in distribution ${healthyMeanConfidence}`,
    );
    assert.equal(await op!.metricSum('sentimentops_drift_status', gauge('Drifted')), 1);
    console.log(
      `      Drifted ${seconds.toFixed(1)} s after the shift: ${signals(m)}; mean confidence ${drift.meanConfidence}`,
    );
  });

  /**
   * From Healthy in-distribution traffic, switches to a mix and waits for `want` (or worse) within the
   * window plus three evaluations.
   */
  const partialShift = async (share: number, want: 'Warning' | 'Drifted'): Promise<Model> => {
    texts = reviews;
    await waitStatus('Healthy', (WINDOW_S + 3 * INTERVAL_S + 15) * 1000);
    texts = mix(reviews, docs, share, reviews.length);
    const worse = want === 'Warning' ? ['Warning', 'Drifted'] : ['Drifted'];
    const m = await waitFor(
      async () => {
        const got = await model();
        return worse.includes(got.status?.drift?.status ?? '') && got;
      },
      {
        timeoutMs: (WINDOW_S + 3 * INTERVAL_S + 5) * 1000,
        intervalMs: 500,
        what: `${want} at ${share * 100} %`,
      },
    );
    console.log(`      ${share * 100} % documentation prose: ${m.status!.drift!.status}: ${signals(m)}`);
    return m;
  };

  it('warns at least, naming the signal, when 30 % of the traffic comes from another domain', async function () {
    const m = await partialShift(0.3, 'Warning');
    const moved = m.status!.drift!.signals!.filter((s) => s.state === 'Warning' || s.state === 'Drifted');
    assert.ok(moved.length > 0, signals(m));
    const message = m.status!.drift!.message ?? '';
    assert.ok(
      moved.some((s) => message.includes(SIGNAL_TITLES[s.name as DriftSignal])),
      `"${message}" names none of ${moved.map((s) => s.name)}`,
    );
  });

  it('reports Drifted when 60 % of the traffic comes from another domain', async function () {
    await partialShift(0.6, 'Drifted');
  });

  it('returns to Healthy when the traffic does', async function () {
    texts = reviews;
    const m = await waitStatus('Healthy', (WINDOW_S + 3 * INTERVAL_S + 15) * 1000);
    assert.equal(m.metadata.annotations?.['sentimentops.dev/drift-status'], 'Healthy');
  });

  it('never leaves Healthy over 20 consecutive windows of in-distribution traffic', async function () {
    const evaluations = (): Promise<number> => op!.metricSum('sentimentops_drift_evaluations_total');
    const before = await evaluations();
    const seen = new Map<string, number>();
    const end = Date.now() + 20 * WINDOW_S * 1000;
    while (Date.now() < end) {
      const m = await model();
      const s = m.status?.drift?.status ?? 'none';
      seen.set(s, (seen.get(s) ?? 0) + 1);
      for (const signal of m.status?.drift?.signals ?? []) {
        const key = `${signal.name} ${signal.state}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      // The operator's own gauge sees every evaluation, not only the written transitions.
      assert.equal(
        await op!.metricSum('sentimentops_drift_status', gauge('Healthy')),
        1,
        'gauge says Healthy',
      );
      await sleep(1_000);
    }
    const ran = (await evaluations()) - before;
    assert.deepEqual(
      [...seen.keys()].filter((k) => !k.endsWith(' Healthy')),
      ['Healthy'],
      `statuses seen: ${JSON.stringify([...seen])}`,
    );
    assert.ok(ran >= 20 * (WINDOW_S / INTERVAL_S) * 0.8, `only ${ran} evaluations ran`);
    console.log(`      ${ran} evaluations over 20 windows, all Healthy`);
  });

  it('reports Unknown with a message when Prometheus stops, and recovers when it is back', async function () {
    await prometheus!.stop();
    const m = await waitStatus('Unknown', 60_000);
    assert.match(m.status!.drift!.message ?? '', /Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    assert.equal(m.status!.conditions!.find((c) => c.type === 'DriftDetected')?.status, 'Unknown');
    assert.equal(op!.child.exitCode, null, 'the operator keeps running');
    prometheus = await startPrometheus(dir!, jobs, { port: prometheus!.port });
    await waitStatus('Healthy', 90_000);
  });
});
