import { strict as assert } from 'node:assert';
import { DRIFT_STATUSES } from '../../src/api/schema';
import { OperatorMetrics } from '../../src/observability/metrics';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples called `name` whose labels include `labels`. */
function find(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  return samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The one sample called `name` with exactly `labels`. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = find(text, name, labels).filter(
    (s) => Object.keys(s.labels).length === Object.keys(labels).length,
  );
  assert.ok(hits.length <= 1, `more than one ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

const model = { namespace: 'team-a', sentimentmodel: 'imdb' };

describe('operator metrics', () => {
  let metrics: OperatorMetrics;
  beforeEach(() => {
    metrics = new OperatorMetrics();
  });

  it('declares the contract names with their types', async () => {
    const text = await metrics.metrics();
    for (const [name, type] of [
      ['sentimentops_reconcile_total', 'counter'],
      ['sentimentops_reconcile_duration_seconds', 'histogram'],
      ['sentimentops_drift_score', 'gauge'],
      ['sentimentops_drift_status', 'gauge'],
      ['sentimentops_workqueue_depth', 'gauge'],
      ['sentimentops_workqueue_retries_total', 'counter'],
      ['sentimentops_leader', 'gauge'],
      ['sentimentops_managed_models', 'gauge'],
      ['sentimentops_api_writes_total', 'counter'],
      ['sentimentops_drift_evaluations_total', 'counter'],
    ]) {
      assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `${name} ${type}`);
    }
  });

  it('collects the process and Node.js default metrics on its own registry', async () => {
    const text = await metrics.metrics();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    // A second instance must not collide with the first (no global registry).
    assert.doesNotThrow(() => new OperatorMetrics());
  });

  it('serves the Prometheus text format', () => {
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  });

  it('starts every reconcile and drift-evaluation result at zero', async () => {
    const text = await metrics.metrics();
    for (const result of ['success', 'error', 'requeue']) {
      assert.equal(value(text, 'sentimentops_reconcile_total', { result }), 0, result);
    }
    for (const result of ['ok', 'error', 'insufficient_data']) {
      assert.equal(value(text, 'sentimentops_drift_evaluations_total', { result }), 0, result);
    }
  });

  it('counts reconciles by result and times them in buckets from 1 ms to 10 s', async () => {
    metrics.observeReconcile('success', 0.02);
    metrics.observeReconcile('success', 0.003);
    metrics.observeReconcile('requeue', 7);
    const text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_reconcile_total', { result: 'success' }), 2);
    assert.equal(value(text, 'sentimentops_reconcile_total', { result: 'requeue' }), 1);
    assert.equal(value(text, 'sentimentops_reconcile_total', { result: 'error' }), 0);
    const bucket = (le: string) => value(text, 'sentimentops_reconcile_duration_seconds_bucket', { le });
    assert.equal(bucket('0.001'), 0);
    assert.equal(bucket('0.005'), 1);
    assert.equal(bucket('0.025'), 2);
    assert.equal(bucket('5'), 2);
    assert.equal(bucket('10'), 3);
    assert.equal(value(text, 'sentimentops_reconcile_duration_seconds_count'), 3);
  });

  it('sets the drift score and exactly one status to 1', async () => {
    metrics.setDrift('team-a', 'imdb', 'Warning', 0.1234);
    const text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_drift_score', model), 0.1234);
    const status = find(text, 'sentimentops_drift_status', model);
    assert.deepEqual(status.map((s) => s.labels.status).sort(), [...DRIFT_STATUSES].sort());
    assert.deepEqual(
      status.filter((s) => s.value === 1).map((s) => s.labels.status),
      ['Warning'],
    );
    assert.ok(status.every((s) => s.value === 0 || s.value === 1));
  });

  it('moves the 1 when the status changes', async () => {
    metrics.setDrift('team-a', 'imdb', 'Warning', 0.15);
    metrics.setDrift('team-a', 'imdb', 'Drifted', 0.4);
    const text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_drift_status', { ...model, status: 'Warning' }), 0);
    assert.equal(value(text, 'sentimentops_drift_status', { ...model, status: 'Drifted' }), 1);
    assert.equal(value(text, 'sentimentops_drift_score', model), 0.4);
  });

  it('drops the score series when the status has no score', async () => {
    metrics.setDrift('team-a', 'imdb', 'Healthy', 0.01);
    metrics.setDrift('team-a', 'imdb', 'InsufficientData', undefined);
    const text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_drift_score', model), undefined);
    assert.equal(value(text, 'sentimentops_drift_status', { ...model, status: 'InsufficientData' }), 1);
  });

  it('forgets one model without touching another', async () => {
    metrics.setDrift('team-a', 'imdb', 'Drifted', 0.5);
    metrics.setDrift('team-b', 'imdb', 'Healthy', 0.02);
    metrics.forgetModel('team-a', 'imdb');
    const text = await metrics.metrics();
    assert.deepEqual(find(text, 'sentimentops_drift_score', model), []);
    assert.deepEqual(find(text, 'sentimentops_drift_status', model), []);
    const other = { namespace: 'team-b', sentimentmodel: 'imdb' };
    assert.equal(value(text, 'sentimentops_drift_score', other), 0.02);
    assert.equal(find(text, 'sentimentops_drift_status', other).length, DRIFT_STATUSES.length);
  });

  describe('per signal', () => {
    const signal = (name: string) => ({ ...model, signal: name });
    const signals = [
      { name: 'confidence' as const, state: 'Healthy' as const, score: 0.03 },
      { name: 'unknownTokens' as const, state: 'Drifted' as const, score: 0.41 },
      { name: 'positiveRate' as const, state: 'Warning' as const, score: 0.12 },
      { name: 'inputTokens' as const, state: 'NoBaseline' as const },
    ];

    it('labels each signal score with signal, beside the highest PSI without it', async () => {
      metrics.setDrift('team-a', 'imdb', 'Drifted', 0.41, signals);
      const text = await metrics.metrics();
      assert.equal(value(text, 'sentimentops_drift_score', model), 0.41);
      assert.equal(value(text, 'sentimentops_drift_score', signal('confidence')), 0.03);
      assert.equal(value(text, 'sentimentops_drift_score', signal('unknownTokens')), 0.41);
      assert.equal(value(text, 'sentimentops_drift_score', signal('positiveRate')), 0.12);
      assert.equal(
        value(text, 'sentimentops_drift_score', signal('inputTokens')),
        undefined,
        'no baseline, no score',
      );
    });

    it('exports one state series per enabled signal, value 1', async () => {
      metrics.setDrift('team-a', 'imdb', 'Drifted', 0.41, signals);
      const text = await metrics.metrics();
      const states = find(text, 'sentimentops_drift_signal_status', model);
      assert.deepEqual(states.map((s) => [s.labels.signal, s.labels.status, s.value]).sort(), [
        ['confidence', 'Healthy', 1],
        ['inputTokens', 'NoBaseline', 1],
        ['positiveRate', 'Warning', 1],
        ['unknownTokens', 'Drifted', 1],
      ]);
    });

    it("replaces a signal's state series when it changes and drops a disabled signal's series", async () => {
      metrics.setDrift('team-a', 'imdb', 'Drifted', 0.41, signals);
      metrics.setDrift('team-a', 'imdb', 'Healthy', 0.05, [
        { name: 'confidence', state: 'Healthy', score: 0.05 },
        { name: 'unknownTokens', state: 'Healthy', score: 0.02 },
      ]);
      const text = await metrics.metrics();
      assert.deepEqual(
        find(text, 'sentimentops_drift_signal_status', model)
          .map((s) => [s.labels.signal, s.labels.status])
          .sort(),
        [
          ['confidence', 'Healthy'],
          ['unknownTokens', 'Healthy'],
        ],
      );
      assert.equal(value(text, 'sentimentops_drift_score', signal('positiveRate')), undefined);
      assert.equal(value(text, 'sentimentops_drift_score', signal('unknownTokens')), 0.02);
    });

    it('forgets every signal series of a deleted model', async () => {
      metrics.setDrift('team-a', 'imdb', 'Drifted', 0.41, signals);
      metrics.forgetModel('team-a', 'imdb');
      const text = await metrics.metrics();
      assert.deepEqual(find(text, 'sentimentops_drift_signal_status', model), []);
      assert.deepEqual(find(text, 'sentimentops_drift_score', model), []);
    });
  });

  it('tracks the work queue, leadership, managed models, writes and drift evaluations', async () => {
    metrics.setQueueDepth(7);
    metrics.countRetry();
    metrics.countRetry();
    metrics.setLeader(true);
    metrics.setManagedModels(3);
    metrics.countWrite('create', 'deployments');
    metrics.countWrite('patch', 'deployments');
    metrics.countWrite('patch', 'deployments');
    metrics.countDriftEvaluation('insufficient_data');
    let text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_workqueue_depth'), 7);
    assert.equal(value(text, 'sentimentops_workqueue_retries_total'), 2);
    assert.equal(value(text, 'sentimentops_leader'), 1);
    assert.equal(value(text, 'sentimentops_managed_models'), 3);
    assert.equal(
      value(text, 'sentimentops_api_writes_total', { verb: 'create', resource: 'deployments' }),
      1,
    );
    assert.equal(value(text, 'sentimentops_api_writes_total', { verb: 'patch', resource: 'deployments' }), 2);
    assert.equal(value(text, 'sentimentops_drift_evaluations_total', { result: 'insufficient_data' }), 1);

    metrics.setLeader(false);
    text = await metrics.metrics();
    assert.equal(value(text, 'sentimentops_leader'), 0);
  });
});
