// No dead panels: a real Prometheus scrapes a real model server that receives IMDB reviews and the
// real operator (for sentimentops_drift_*), with the labels a ServiceMonitor gives (namespace,
// service, pod). Every query of dashboards/sentiment-model.json, its variables substituted, must
// return a finite value; so must the prometheus-adapter rule the HPA depends on.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DASHBOARD_FILE } from '../../src/dashboards/manifests';
import {
  apply,
  createTestNamespace,
  deleteNamespace,
  kubectl,
  repoRoot,
  requireCluster,
  sleep,
  waitFor,
} from '../support/cluster';
import { startOperator, type OperatorProcess } from '../support/operator';
import { imdbReviews, startModelServer, type Proc } from '../support/processes';
import {
  requirePrometheus,
  startPrometheus,
  type PrometheusProcess,
  type Sample,
} from '../support/prometheus';

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  title: string;
  type: string;
  targets: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}
interface AdapterRule {
  seriesQuery: string;
  metricsQuery: string;
}

const MODEL = 'imdb-dash';
const dashboard = JSON.parse(readFileSync(path.join(repoRoot, DASHBOARD_FILE), 'utf8')) as Dashboard;

/** Series that only kube-state-metrics exports; the test has none, so these targets may be empty. */
const KUBE_STATE_METRICS = /\bkube_\w+/;

/** What Grafana would put in: $__rate_interval of a 1 s scrape at this zoom, $__interval of the heatmap. */
function substitute(expr: string, namespace: string): string {
  return expr
    .replaceAll('$namespace', namespace)
    .replaceAll('$model', MODEL)
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '5s');
}

/** Every sample value of a query result, instant or range. */
const values = (result: Sample[]): number[] =>
  result.flatMap((s) => (s.values ?? (s.value ? [s.value] : [])).map(([, v]) => Number(v)));

describe('the Grafana dashboard against a real Prometheus', function () {
  let ns: string;
  let dir: string;
  let server: Proc | undefined;
  let op: OperatorProcess | undefined;
  let prom: PrometheusProcess;
  let texts: string[];
  let serverUrl: string;
  let trafficRunning = true;
  let background: Promise<void> | undefined;

  const post = (body: unknown): Promise<Response> =>
    fetch(`${serverUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async function () {
    this.timeout(180_000);
    await requirePrometheus();
    await requireCluster();
    texts = imdbReviews(400);
    dir = await mkdtemp(path.join(tmpdir(), 'sentiment-dashboard-'));
    await kubectl(['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    ns = await createTestNamespace('dash');

    server = await startModelServer(MODEL, `${MODEL}-0`);
    const serverPort = server.port;
    serverUrl = `http://127.0.0.1:${serverPort}`;

    // The operator evaluates drift for this model against the Prometheus started below; its port
    // is known only once both are up, so the model names it in the spec after the fact.
    op = startOperator('dashboard', ['--leader-elect=false', `--watch-namespace=${ns}`]);
    const opPort = await waitFor(() => op!.port(), { timeoutMs: 30_000, what: 'the operator /metrics port' });
    prom = await startPrometheus(dir, [
      {
        job: 'sentiment-model-server',
        target: `127.0.0.1:${serverPort}`,
        labels: { namespace: ns, service: MODEL, pod: `${MODEL}-0` },
      },
      { job: 'sentiment-operator', target: `127.0.0.1:${opPort}`, honorLabels: true },
    ]);
    await apply(
      {
        apiVersion: 'sentimentops.dev/v1alpha1',
        kind: 'SentimentModel',
        metadata: { name: MODEL, namespace: ns },
        spec: {
          model: { uri: 'file:///models/imdb.onnx' },
          drift: { prometheusUrl: prom.url, interval: '2s', window: '10m', minSamples: 100 },
        },
      },
      ns,
    );
    await waitFor(
      async () => values(await prom.query(`up{namespace="${ns}", service="${MODEL}"} == 1`)).length,
      {
        timeoutMs: 30_000,
        what: 'Prometheus to scrape the model server',
      },
    );

    // A burst (single texts, lists that make batches, a few refusals), then a trickle that keeps
    // every rate over the last minute above zero while the panels are checked.
    for (let i = 0; i < texts.length; i += 8) {
      await Promise.all(texts.slice(i, i + 8).map((text) => post({ text })));
    }
    for (let i = 0; i < 10; i++) await post({ texts: texts.slice(i * 20, i * 20 + 20) });
    for (let i = 0; i < 3; i++) await post({ wrong: 'field' });
    background = (async () => {
      for (let i = 0; trafficRunning; i++) {
        await post(
          i % 5 === 0 ? { texts: texts.slice(i % 300, (i % 300) + 4) } : { text: texts[i % texts.length] },
        );
        await sleep(100);
      }
    })();
    await waitFor(
      async () =>
        values(
          await prom.query(`sum(sentiment_predictions_total{namespace="${ns}", model="${MODEL}"})`),
        )[0] >=
        texts.length + 200,
      { timeoutMs: 30_000, what: 'Prometheus to see the burst of predictions' },
    );
  });

  after(async function () {
    this.timeout(60_000);
    trafficRunning = false;
    await background?.catch(() => undefined);
    await prom?.stop();
    await op?.stop().catch(() => op?.kill());
    await server?.stop();
    if (ns) await deleteNamespace(ns);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    it(`lists the model's value in the template variable "${variable.name}"`, async () => {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.query);
      assert.ok(
        m,
        `variable ${variable.name}: expected label_values(selector, label), got ${variable.query}`,
      );
      const found = (await prom.series(substitute(m[1], ns))).map((labels) => labels[m[2]]);
      assert.ok(
        found.includes(variable.name === 'namespace' ? ns : MODEL),
        `${variable.name} offers ${found}`,
      );
    });
  }

  for (const panel of dashboard.panels) {
    it(`shows data in the panel "${panel.title}"`, async function () {
      // The drift panels wait for the operator's first evaluations; the rest have data already.
      this.timeout(120_000);
      const live = panel.targets.filter((t) => !KUBE_STATE_METRICS.test(t.expr));
      assert.ok(live.length > 0, `panel "${panel.title}" needs kube-state-metrics for every query`);
      for (const target of live) {
        const expr = substitute(target.expr, ns);
        const run = (): Promise<Sample[]> =>
          panel.type === 'heatmap' ? prom.queryRange(expr, 60, 5) : prom.query(expr);
        await waitFor(async () => values(await run()).some(Number.isFinite), {
          timeoutMs: 90_000,
          intervalMs: 1_000,
          what: `panel "${panel.title}" query ${target.refId} to return a finite value: ${expr}`,
        });
      }
    });
  }

  it('serves sentiment_requests_per_second per pod through the prometheus-adapter rule', async () => {
    const config = parse(
      await readFile(path.join(repoRoot, 'config/prometheus-adapter/rules.yaml'), 'utf8'),
    ) as { rules: AdapterRule[] };
    const rule = config.rules[0];
    const discovered = await prom.series(rule.seriesQuery);
    assert.ok(
      discovered.some((s) => s.namespace === ns && s.pod === `${MODEL}-0`),
      'the series query finds the pod',
    );
    // What prometheus-adapter sends when the HPA asks for the pods of this namespace.
    const expr = rule.metricsQuery
      .replaceAll('<<.Series>>', 'sentiment_requests_total')
      .replaceAll('<<.LabelMatchers>>', `namespace="${ns}",pod=~"${MODEL}-0"`)
      .replaceAll('<<.GroupBy>>', 'pod');
    const result = await prom.query(expr);
    assert.deepEqual(
      result.map((s) => s.metric),
      [{ pod: `${MODEL}-0` }],
    );
    assert.ok(values(result)[0] > 0, `the pod serves requests: ${JSON.stringify(result)}`);
  });
});
