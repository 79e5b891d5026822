// The operator's metrics on its own prom-client registry. The reconcile and drift names are the public
// contract that alerts and dashboards query (docs/metrics.md); the rest are for operating the operator
// and for the benchmark. Every name is defined here once and imported elsewhere.
import { DRIFT_SIGNALS, type DriftSignal } from '@sentiment-operator/contract';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DRIFT_STATUSES } from '../api/schema';
import type { DriftStatusValue, SignalState } from '../api/types';
import { RECONCILE_ERROR_LABELS, type ReconcileErrorLabel } from '../controller/error-policy';
import type { WatchLifecycleEvent } from '../controller/informer';

export const OPERATOR_METRICS = {
  reconciles: 'sentimentops_reconcile_total',
  reconcileDuration: 'sentimentops_reconcile_duration_seconds',
  reconcileErrors: 'sentimentops_reconcile_errors_total',
  driftScore: 'sentimentops_drift_score',
  driftStatus: 'sentimentops_drift_status',
  driftSignalStatus: 'sentimentops_drift_signal_status',
  workqueueDepth: 'sentimentops_workqueue_depth',
  workqueueRetries: 'sentimentops_workqueue_retries_total',
  leader: 'sentimentops_leader',
  managedModels: 'sentimentops_managed_models',
  apiWrites: 'sentimentops_api_writes_total',
  apiRequests: 'sentimentops_api_requests_total',
  watchConnects: 'sentimentops_watch_connects_total',
  watchRelists: 'sentimentops_watch_relists_total',
  watchErrors: 'sentimentops_watch_errors_total',
  driftEvaluations: 'sentimentops_drift_evaluations_total',
} as const;

export const RECONCILE_RESULTS = ['success', 'error', 'requeue'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

export const DRIFT_EVALUATION_RESULTS = ['ok', 'error', 'insufficient_data'] as const;
export type DriftEvaluationResult = (typeof DRIFT_EVALUATION_RESULTS)[number];

export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';

/** From a no-op reconcile (about 1 ms) to one stuck behind a slow API server (10 s). */
export const RECONCILE_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'result'>;
  private readonly reconcileDuration: Histogram;
  private readonly reconcileErrors: Counter<'reason'>;
  private readonly driftScore: Gauge<'namespace' | 'sentimentmodel' | 'signal'>;
  private readonly driftStatus: Gauge<'namespace' | 'sentimentmodel' | 'status'>;
  private readonly driftSignalStatus: Gauge<'namespace' | 'sentimentmodel' | 'signal' | 'status'>;
  /** The state each model's signal series carries, so a change removes the old series. */
  private readonly signalStates = new Map<string, Map<DriftSignal, SignalState>>();
  private readonly queueDepth: Gauge;
  private readonly retries: Counter;
  private readonly leader: Gauge;
  private readonly managedModels: Gauge;
  private readonly writes: Counter<'verb' | 'resource'>;
  private readonly requests: Counter<'verb' | 'resource'>;
  private readonly watchEvents: Record<WatchLifecycleEvent, Counter<'resource'>>;
  private readonly driftEvaluations: Counter<'result'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.reconciles = new Counter({
      name: OPERATOR_METRICS.reconciles,
      help: 'Finished reconciles of SentimentModels by result (success, error, requeue)',
      labelNames: ['result'],
      registers,
    });
    // Zero series from the start, so rate() and alerts see every result before it first happens.
    for (const result of RECONCILE_RESULTS) this.reconciles.inc({ result }, 0);
    this.reconcileDuration = new Histogram({
      name: OPERATOR_METRICS.reconcileDuration,
      help: 'Time one reconcile of a SentimentModel took',
      buckets: RECONCILE_DURATION_BUCKETS,
      registers,
    });
    this.reconcileErrors = new Counter({
      name: OPERATOR_METRICS.reconcileErrors,
      help: `Failed reconciles by the error policy's reason (${RECONCILE_ERROR_LABELS.join(', ')})`,
      labelNames: ['reason'],
      registers,
    });
    for (const reason of RECONCILE_ERROR_LABELS) this.reconcileErrors.inc({ reason }, 0);
    this.driftScore = new Gauge({
      name: OPERATOR_METRICS.driftScore,
      help:
        'Drift score of each SentimentModel at the last evaluation: with signal, the score of that signal (PSI; for positiveRate the ' +
        'difference of the positive shares); without signal, the highest PSI (status.drift.score)',
      labelNames: ['namespace', 'sentimentmodel', 'signal'],
      registers,
    });
    this.driftStatus = new Gauge({
      name: OPERATOR_METRICS.driftStatus,
      help: `Drift status of each SentimentModel: 1 for the current one of ${DRIFT_STATUSES.join(', ')}`,
      labelNames: ['namespace', 'sentimentmodel', 'status'],
      registers,
    });
    this.driftSignalStatus = new Gauge({
      name: OPERATOR_METRICS.driftSignalStatus,
      help: 'Confirmed state of each enabled drift signal of each SentimentModel: one series per signal, value 1, its state in status',
      labelNames: ['namespace', 'sentimentmodel', 'signal', 'status'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: OPERATOR_METRICS.workqueueDepth,
      help: 'SentimentModels waiting to be reconciled',
      registers,
    });
    this.retries = new Counter({
      name: OPERATOR_METRICS.workqueueRetries,
      help: 'Reconciles requeued with backoff after an error',
      registers,
    });
    this.leader = new Gauge({
      name: OPERATOR_METRICS.leader,
      help: '1 while this instance holds the leader Lease, else 0',
      registers,
    });
    this.managedModels = new Gauge({
      name: OPERATOR_METRICS.managedModels,
      help: 'SentimentModels this instance manages',
      registers,
    });
    this.writes = new Counter({
      name: OPERATOR_METRICS.apiWrites,
      help: 'Writes the operator sent to the Kubernetes API, by verb and resource',
      labelNames: ['verb', 'resource'],
      registers,
    });
    this.requests = new Counter({
      name: OPERATOR_METRICS.apiRequests,
      help: 'Requests the operator sent to the Kubernetes API (reads, lists, watches and writes), by verb and resource',
      labelNames: ['verb', 'resource'],
      registers,
    });
    const watchCounter = (name: string, help: string): Counter<'resource'> =>
      new Counter({ name, help, labelNames: ['resource'], registers });
    this.watchEvents = {
      connect: watchCounter(OPERATOR_METRICS.watchConnects, 'Watches the informers opened, by resource'),
      relist: watchCounter(
        OPERATOR_METRICS.watchRelists,
        'Lists after the first, by resource (a watch answered 410 Gone)',
      ),
      error: watchCounter(
        OPERATOR_METRICS.watchErrors,
        'Failed lists and watches, each followed by a restart with backoff, by resource',
      ),
    };
    this.driftEvaluations = new Counter({
      name: OPERATOR_METRICS.driftEvaluations,
      help: 'Drift evaluations by result (ok, error, insufficient_data)',
      labelNames: ['result'],
      registers,
    });
    for (const result of DRIFT_EVALUATION_RESULTS) this.driftEvaluations.inc({ result }, 0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The registry in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  observeReconcile(result: ReconcileResult, seconds: number): void {
    this.reconciles.inc({ result });
    this.reconcileDuration.observe(seconds);
  }

  /**
   * Records a model's drift: its status, its score (the highest PSI; undefined drops the series) and
   * each enabled signal's score and state. A signal that is not in `signals` (disabled) or has no
   * score loses its series.
   */
  setDrift(
    namespace: string,
    name: string,
    status: DriftStatusValue,
    score: number | undefined,
    signals: readonly { name: DriftSignal; state: SignalState; score?: number }[] = [],
  ): void {
    const model = { namespace, sentimentmodel: name };
    if (score === undefined || !Number.isFinite(score)) this.driftScore.remove(model);
    else this.driftScore.set(model, score);
    for (const s of DRIFT_STATUSES) this.driftStatus.set({ ...model, status: s }, s === status ? 1 : 0);

    const key = `${namespace}/${name}`;
    const before = this.signalStates.get(key) ?? new Map<DriftSignal, SignalState>();
    const after = new Map<DriftSignal, SignalState>();
    for (const s of signals) {
      const labels = { ...model, signal: s.name };
      if (s.score === undefined || !Number.isFinite(s.score)) this.driftScore.remove(labels);
      else this.driftScore.set(labels, s.score);
      const old = before.get(s.name);
      if (old !== undefined && old !== s.state) this.driftSignalStatus.remove({ ...labels, status: old });
      this.driftSignalStatus.set({ ...labels, status: s.state }, 1);
      after.set(s.name, s.state);
    }
    for (const [signal, state] of before) {
      if (after.has(signal)) continue;
      this.driftScore.remove({ ...model, signal });
      this.driftSignalStatus.remove({ ...model, signal, status: state });
    }
    this.signalStates.set(key, after);
  }

  /** Drops a deleted model's drift series, so dashboards stop showing it. */
  forgetModel(namespace: string, name: string): void {
    const model = { namespace, sentimentmodel: name };
    this.driftScore.remove(model);
    for (const status of DRIFT_STATUSES) this.driftStatus.remove({ ...model, status });
    const key = `${namespace}/${name}`;
    for (const signal of DRIFT_SIGNALS) this.driftScore.remove({ ...model, signal });
    for (const [signal, state] of this.signalStates.get(key) ?? [])
      this.driftSignalStatus.remove({ ...model, signal, status: state });
    this.signalStates.delete(key);
  }

  countReconcileError(reason: ReconcileErrorLabel): void {
    this.reconcileErrors.inc({ reason });
  }

  setQueueDepth(n: number): void {
    this.queueDepth.set(n);
  }

  countRetry(): void {
    this.retries.inc();
  }

  setLeader(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }

  setManagedModels(n: number): void {
    this.managedModels.set(n);
  }

  /** One create/update/patch/delete call; `resource` is the plural, e.g. "deployments". */
  countWrite(verb: WriteVerb, resource: string): void {
    this.writes.inc({ verb, resource });
    this.requests.inc({ verb, resource });
  }

  /** One read (get, list, watch); writes go through countWrite. */
  countRequest(verb: string, resource: string): void {
    this.requests.inc({ verb, resource });
  }

  countWatchEvent(resource: string, event: WatchLifecycleEvent): void {
    this.watchEvents[event].inc({ resource });
  }

  countDriftEvaluation(result: DriftEvaluationResult): void {
    this.driftEvaluations.inc({ result });
  }
}
