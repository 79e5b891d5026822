// The dashboard's static contract: variables, one model per query, known metric names, the thresholds
// the issue asks for, and the ConfigMap the Grafana sidecar loads. That every query returns data is
// test/integration/dashboard.test.ts's job.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import {
  DASHBOARD_CONFIGMAP_FILE,
  DASHBOARD_CONFIGMAP_NAME,
  DASHBOARD_FILE,
  dashboardConfigMap,
} from '../../src/dashboards/manifests';
import { HISTOGRAM_SIGNALS } from '@sentiment-operator/contract';
import { OPERATOR_METRICS } from '../../src/observability/metrics';
import { repoRoot } from '../support/cluster';

interface DataSourceRef {
  type: string;
  uid: string;
}
interface Threshold {
  color: string;
  value: number | null;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: DataSourceRef;
  fieldConfig: { defaults: { thresholds?: { steps: Threshold[] } } };
  targets: { refId: string; expr: string; datasource: DataSourceRef; format?: string }[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: string; datasource?: DataSourceRef }[] };
  panels: Panel[];
}

const text = readFileSync(path.join(repoRoot, DASHBOARD_FILE), 'utf8');
const dashboard = JSON.parse(text) as Dashboard;
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const panel = (title: string): Panel => {
  const found = dashboard.panels.find((p) => p.title === title);
  assert.ok(found, `no panel "${title}"`);
  return found;
};
const exprs = (title: string): string =>
  panel(title)
    .targets.map((t) => t.expr)
    .join('\n');
const steps = (title: string): Threshold[] => panel(title).fieldConfig.defaults.thresholds?.steps ?? [];

describe('the Grafana dashboard', () => {
  it('is "Sentiment model" with uid sentiment-model', () => {
    assert.equal(dashboard.uid, 'sentiment-model');
    assert.equal(dashboard.title, 'Sentiment model');
    assert.equal(dashboard.schemaVersion, 39);
  });

  it('picks the Prometheus, the namespace and the model from template variables', () => {
    const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    assert.deepEqual([...byName.keys()], ['datasource', 'namespace', 'model']);
    assert.equal(byName.get('datasource')?.type, 'datasource');
    assert.equal(byName.get('datasource')?.query, 'prometheus');
    assert.equal(byName.get('namespace')?.query, 'label_values(sentiment_model_info, namespace)');
    assert.equal(
      byName.get('model')?.query,
      'label_values(sentiment_model_info{namespace="$namespace"}, model)',
    );
    assert.deepEqual(byName.get('model')?.datasource, DATASOURCE);
  });

  it('queries the chosen data source from every panel', () => {
    for (const p of dashboard.panels) {
      assert.deepEqual(p.datasource, DATASOURCE, p.title);
      for (const t of p.targets) assert.deepEqual(t.datasource, DATASOURCE, `${p.title} ${t.refId}`);
    }
  });

  it('has unique panel ids and query refIds', () => {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of dashboard.panels) {
      const refs = p.targets.map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, p.title);
    }
  });

  it('restricts every series selector to the chosen namespace and model', () => {
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const selectors = [...t.expr.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
        assert.ok(selectors.length > 0, `${p.title} ${t.refId}: no selector in ${t.expr}`);
        for (const s of selectors) {
          assert.match(s, /(^|,\s*)namespace="\$namespace"/, `${p.title} ${t.refId}: {${s}}`);
          assert.match(
            s,
            /(^|,\s*)(model|sentimentmodel|service|deployment)="\$model"/,
            `${p.title} ${t.refId}: {${s}}`,
          );
        }
        const bare = /\b(sentiment\w*|kube_\w+|up)\b(?!\{)/.exec(t.expr.replaceAll(/\{[^}]*\}/g, '{}'));
        assert.equal(bare, null, `${p.title} ${t.refId}: ${bare?.[0]} without a selector`);
      }
    }
  });

  it('reads only series the model server, the operator, Prometheus or kube-state-metrics export', async () => {
    const file = path.join(repoRoot, 'model-server', 'dist', 'src', 'contract.js');
    const contract = (await import(pathToFileURL(file).href)) as { SERVER_METRICS: Record<string, string> };
    const server = Object.values(contract.SERVER_METRICS);
    const known = new Set([
      ...server,
      ...server.flatMap((m) => ['_bucket', '_sum', '_count'].map((suffix) => m + suffix)),
      ...Object.values(OPERATOR_METRICS),
      'up',
      'kube_deployment_status_replicas_ready',
    ]);
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        for (const [, name] of t.expr.matchAll(/([a-z_:][\w:]*)\{/g)) {
          assert.ok(known.has(name), `${p.title} ${t.refId}: unknown series ${name}`);
        }
      }
    }
  });

  it('has the panels the issue asks for', () => {
    assert.match(exprs('Request rate'), /rate\(sentiment_requests_total\{/);
    for (const q of ['0.5', '0.95', '0.99']) {
      assert.match(exprs('Latency'), new RegExp(`histogram_quantile\\(${q}, .*sentiment_request_duration`));
    }
    assert.match(exprs('Error rate'), /code=~"5\.\."/);
    assert.match(exprs('Replicas'), /count\(up\{/);
    assert.match(exprs('Predictions by label'), /sum by \(label\) \(rate\(sentiment_predictions_total/);
    assert.match(exprs('Positive rate vs baseline'), /sentiment_baseline_positive_rate\{/);
    assert.match(exprs('Mean confidence'), /sentiment_prediction_confidence_sum.*\/.*_count/s);
    const heatmap = panel('Confidence distribution');
    assert.equal(heatmap.type, 'heatmap');
    assert.equal(heatmap.targets[0].format, 'heatmap');
    assert.match(heatmap.targets[0].expr, /sum by \(le\) \(increase\(sentiment_prediction_confidence_bucket/);
    assert.match(exprs('Drift score'), /sentimentops_drift_score\{/);
    assert.match(exprs('Batch size'), /sentiment_batch_size_/);
  });

  it('draws the highest PSI (the series without signal) and each signal score, and each signal state', () => {
    const [highest, bySignal] = panel('Drift score').targets.map((t) => t.expr);
    assert.match(highest, /^max\(sentimentops_drift_score\{[^}]*, signal=""\}\)$/);
    assert.match(bySignal, /^max by \(signal\) \(sentimentops_drift_score\{[^}]*, signal!=""\}\)$/);
    assert.match(exprs('Drift signals'), /max by \(signal, status\) \(sentimentops_drift_signal_status\{/);
  });

  it('has a panel per histogram signal with its live distribution against its baseline', () => {
    for (const [title, signal] of [
      ['Confidence vs baseline', 'confidence'],
      ['Tokens per text vs baseline', 'inputTokens'],
      ['Unknown-token share vs baseline', 'unknownTokens'],
    ] as const) {
      const p = panel(title);
      const metric = HISTOGRAM_SIGNALS[signal].metric;
      assert.equal(p.type, 'barchart', title);
      const [live, baseline] = p.targets.map((t) => t.expr);
      assert.match(live, new RegExp(`^sum by \\(le\\) \\(increase\\(${metric}_bucket\\{`), title);
      assert.ok(live.includes(`${metric}_count{`), title);
      assert.match(
        baseline,
        new RegExp(`^max by \\(le\\) \\(sentiment_baseline_ratio\\{[^}]*signal="${signal}"\\}\\)$`),
      );
      assert.deepEqual(
        p.targets.map((t) => t.format),
        ['table', 'table'],
      );
    }
    assert.match(exprs('Positive rate vs baseline'), /sentiment_baseline_positive_rate\{/);
  });

  it('colours mean confidence red below 0.6 and green above 0.8', () => {
    const s = steps('Mean confidence');
    assert.equal(s[0].color, 'red');
    assert.equal(s[0].value, null);
    assert.deepEqual(s.at(-1), { color: 'green', value: 0.8 });
    assert.equal(s.find((t) => t.color !== 'red')?.value, 0.6);
  });

  it('draws the default warning (0.1) and critical (0.25) drift lines', () => {
    assert.deepEqual(
      steps('Drift score').map((t) => t.value),
      [null, 0.1, 0.25],
    );
  });
});

describe('the dashboard ConfigMap', () => {
  it('carries the dashboard JSON under the label the Grafana sidecar selects', () => {
    const cm = dashboardConfigMap(text);
    assert.equal(cm.metadata.name, DASHBOARD_CONFIGMAP_NAME);
    assert.equal(cm.metadata.labels.grafana_dashboard, '1');
    assert.deepEqual(JSON.parse(cm.data['sentiment-model.json']), dashboard);
  });

  it('is committed in config/grafana with the current dashboard', () => {
    const committed = parse(readFileSync(path.join(repoRoot, DASHBOARD_CONFIGMAP_FILE), 'utf8')) as {
      data: Record<string, string>;
    };
    assert.deepEqual(JSON.parse(committed.data['sentiment-model.json']), dashboard, 'run make manifests');
  });
});
