// Evaluates drift for every tracked SentimentModel on its own interval, away from the reconcile path:
// Prometheus being slow or down never delays the children. Each evaluation queries Prometheus for
// every enabled signal, runs the pure assessment (assess.ts) and the per-signal hysteresis with the
// combination rule (combine.ts), updates the operator's drift metrics, and publishes a report. A
// report replaces the previous one only when the status or a signal's state changes or a score moves
// by more than `scoreTolerance`; only then is the model queued, so the reconciler writes the status
// (and the annotations) at transitions, not on every evaluation.
import type { DriftSignal, HistogramSignal } from '@sentiment-operator/contract';
import type { Logger } from 'winston';
import type {
  DriftSignalStatus,
  DriftSpec,
  DriftStatus,
  DriftStatusValue,
  SentimentModel,
} from '../api/types';
import type { OperatorMetrics } from '../observability/metrics';
import { parseDuration } from '../options';
import { assess, failedAssessment, type Assessment, type HistogramWindow, type WindowData } from './assess';
import type { CumulativeBucket } from './bins';
import type { DriftState } from './classify';
import { combine, resumedStates, sameSignalStates } from './combine';
import {
  baselinePositiveRateQuery,
  baselineRatioQuery,
  baselineSamplesQuery,
  histogramBucketsQuery,
  predictionsByLabelQuery,
  type ModelSeries,
} from './promql';
import { enabledSignals, isHistogramSignal } from './signals';
import { MAX_MESSAGE_CHARS, PrometheusError, instantQuery, truncateText, type Sample } from './prometheus';

/** Room left in an event for the reconciler's words before the drift message. */
const EVENT_PREFIX_CHARS = 96;
/** A signal's message in status.drift.signals: its own verdict, shorter than the model's message. */
const SIGNAL_MESSAGE_CHARS = 512;

/** The drift message of a model whose own Prometheus URL the operator does not allow. */
export const FORBIDDEN_URL_MESSAGE =
  'spec.drift.prometheusUrl is not allowed by this operator (--allow-model-prometheus-url=false); remove it to evaluate drift against the Prometheus the operator is configured with';

/** What the reconciler writes for a model: status.drift, the DriftDetected condition, the annotations. */
export interface DriftReport {
  drift: DriftStatus;
  condition: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
}

export interface DriftEvaluatorOptions {
  /** Prometheus for models without spec.drift.prometheusUrl. */
  defaultPrometheusUrl: string;
  metrics: OperatorMetrics;
  logger: Logger;
  /** Called with the model's key when its published report changed. */
  onChange: (key: string) => void;
  concurrency?: number;
  queryTimeoutMs?: number;
  /** A score change smaller than this is not worth a write. */
  scoreTolerance?: number;
  /** First retry delay after a failed evaluation (doubles, capped at the interval). */
  retryBaseMs?: number;
  /** Whether spec.drift.prometheusUrl may be used (--allow-model-prometheus-url); default true. */
  allowModelPrometheusUrl?: boolean;
  /** Largest Prometheus reply read (--prometheus-max-response-bytes). */
  maxResponseBytes?: number;
}

interface Target {
  key: string;
  series: ModelSeries;
  spec: DriftSpec;
  url: string;
  /** the model names its own Prometheus and the operator does not allow that */
  forbidden: boolean;
  intervalMs: number;
  dueAt: number;
  failures: number;
  running: boolean;
  /** Each enabled signal's hysteresis state. */
  states: Map<DriftSignal, DriftState>;
  published?: DriftReport;
}

const round4 = (x: number | undefined): number | undefined =>
  x === undefined || !Number.isFinite(x) ? undefined : Math.round(x * 10_000) / 10_000;

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The DriftDetected condition for a reported status. */
export function driftCondition(status: DriftStatusValue, message: string): DriftReport['condition'] {
  switch (status) {
    case 'Drifted':
      return { status: 'True', reason: 'Drifted', message };
    case 'Unknown':
      return { status: 'Unknown', reason: 'Unknown', message };
    default:
      return { status: 'False', reason: status, message };
  }
}

const movedBeyond = (a: number | undefined, b: number | undefined, tolerance: number): boolean =>
  (a === undefined) !== (b === undefined) ||
  (a !== undefined && b !== undefined && Math.abs(a - b) > tolerance);

/**
 * Whether `next` is worth a write over `published`: another status, another state or threshold of a
 * signal, a signal enabled or disabled, the model's score appearing, disappearing or moving by more
 * than `tolerance`, or a signal's score doing so by more than max(tolerance, a quarter of its warning
 * threshold). The wider margin for the signals keeps sampling noise from writing the status on most
 * evaluations: with four signals, and the positive-rate shift of a 500-prediction window wandering
 * by a few hundredths between evaluations, a 0.01 margin on each would be passed almost every time.
 */
export function significant(
  published: DriftReport | undefined,
  next: DriftReport,
  tolerance: number,
): boolean {
  if (!published) return true;
  const a = published.drift;
  const b = next.drift;
  if (a.status !== b.status) return true;
  if (movedBeyond(a.score, b.score, tolerance)) return true;
  if (!sameSignalStates(a.signals, b.signals)) return true;
  const before = new Map((a.signals ?? []).map((s) => [s.name, s.score]));
  return (b.signals ?? []).some((s) =>
    movedBeyond(before.get(s.name), s.score, Math.max(tolerance, s.warningThreshold / 4)),
  );
}

function buckets(samples: Sample[]): CumulativeBucket[] {
  return samples.map((s) => ({
    le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le),
    value: s.value,
  }));
}

export class DriftEvaluator {
  private readonly targets = new Map<string, Target>();
  /**
   * Prometheus URLs that could not be reached, until when, and why. While a URL is down, every model
   * using it is reported from this entry instead of waiting for its own timeout: with hundreds of
   * models on one Prometheus, an outage would otherwise queue them behind each other's timeouts.
   */
  private readonly unreachable = new Map<string, { until: number; message: string; failures: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private readonly concurrency: number;
  private readonly queryTimeoutMs: number;
  private readonly tolerance: number;
  private readonly retryBaseMs: number;
  private readonly log: Logger;

  constructor(private readonly options: DriftEvaluatorOptions) {
    this.concurrency = options.concurrency ?? 8;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
    this.tolerance = options.scoreTolerance ?? 0.01;
    this.retryBaseMs = options.retryBaseMs ?? 2_000;
    this.log = options.logger.child({ component: 'drift' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Starts or updates the evaluation of `sm` (its spec already defaulted). The hysteresis resumes from
   * the status the model already reports, so an operator restart does not flap it.
   */
  track(sm: SentimentModel): void {
    const key = `${sm.metadata.namespace}/${sm.metadata.name}`;
    const spec = sm.spec.drift;
    const url = spec.prometheusUrl ?? this.options.defaultPrometheusUrl;
    const forbidden = spec.prometheusUrl !== undefined && this.options.allowModelPrometheusUrl === false;
    const intervalMs = parseDuration(spec.interval) ?? 60_000;
    const existing = this.targets.get(key);
    if (existing) {
      const changed = existing.url !== url || JSON.stringify(existing.spec) !== JSON.stringify(spec);
      existing.spec = spec;
      existing.url = url;
      existing.forbidden = forbidden;
      existing.intervalMs = intervalMs;
      if (changed) existing.dueAt = 0;
      return;
    }
    this.targets.set(key, {
      key,
      series: { namespace: sm.metadata.namespace, model: sm.metadata.name },
      spec,
      url,
      forbidden,
      intervalMs,
      dueAt: 0,
      failures: 0,
      running: false,
      states: resumedStates(sm.status?.drift),
    });
  }

  forget(key: string): void {
    this.targets.delete(key);
  }

  tracks(key: string): boolean {
    return this.targets.has(key);
  }

  /** The latest published report, or undefined before the first evaluation. */
  report(key: string): DriftReport | undefined {
    return this.targets.get(key)?.published;
  }

  private tick(): void {
    const now = Date.now();
    const due = [...this.targets.values()]
      .filter((t) => !t.running && t.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt);
    for (const target of due) {
      if (this.running >= this.concurrency) return;
      target.running = true;
      this.running += 1;
      void this.evaluate(target).finally(() => {
        target.running = false;
        this.running -= 1;
      });
    }
  }

  /** One evaluation of `target`; never throws. */
  async evaluate(target: Target): Promise<void> {
    const { series, spec, url } = target;
    let assessment: Assessment;
    let failed = false;
    const down = this.unreachable.get(url);
    try {
      if (target.forbidden) throw new PrometheusError(FORBIDDEN_URL_MESSAGE);
      if (down && down.until > Date.now()) throw new PrometheusError(down.message);
      assessment = assess(await this.fetch(url, series, spec), spec);
      this.unreachable.delete(url);
      const insufficient = assessment.signals.some((s) => s.status === 'InsufficientData');
      this.options.metrics.countDriftEvaluation(insufficient ? 'insufficient_data' : 'ok');
    } catch (error) {
      if (!(error instanceof PrometheusError) && !(error instanceof RangeError)) {
        this.log.error('drift evaluation failed unexpectedly', {
          model: target.key,
          error: truncateText(String(error)),
        });
      }
      failed = true;
      const message = error instanceof Error ? error.message : String(error);
      if (
        error instanceof PrometheusError &&
        / is unreachable: /.test(message) &&
        !(down && down.until > Date.now())
      ) {
        const failures = (down?.failures ?? 0) + 1;
        const untilMs = Math.min(30_000, this.retryBaseMs * 2 ** (failures - 1));
        this.unreachable.set(url, { until: Date.now() + untilMs, message, failures });
      }
      assessment = failedAssessment(spec, message);
      this.options.metrics.countDriftEvaluation('error');
    }
    if (!this.targets.has(target.key)) return; // forgotten while the queries ran

    target.failures = failed ? target.failures + 1 : 0;
    const retryMs = Math.min(target.intervalMs, this.retryBaseMs * 2 ** Math.max(0, target.failures - 1));
    target.dueAt = Date.now() + (failed ? retryMs : target.intervalMs);

    const previous = target.published?.drift.status;
    const previousSignals = target.published?.drift.signals;
    const step = combine(assessment, target.states);
    target.states = step.states;
    this.options.metrics.setDrift(series.namespace, series.model, step.status, step.score, step.signals);
    if (previous !== step.status || !sameSignalStates(previousSignals, step.signals)) {
      this.log.info('drift status changed', {
        namespace: series.namespace,
        sentimentmodel: series.model,
        from: previous ?? 'none',
        to: step.status,
        score: round4(step.score),
        samples: Math.round(assessment.samples),
        signals: Object.fromEntries(step.signals.map((s) => [s.name, s.state])),
      });
    }

    // status.drift.message and the condition: at most 1 KiB less room for what the reconciler's event
    // puts before it ("drift status Warning -> Drifted (PSI 0.5790): "), so the event fits too
    const message = truncateText(step.message, MAX_MESSAGE_CHARS - EVENT_PREFIX_CHARS);
    const report: DriftReport = {
      drift: {
        status: step.status,
        score: round4(step.score),
        jsDistance: round4(assessment.jsDistance),
        meanConfidence: round4(assessment.meanConfidence),
        positiveRate: round4(assessment.positiveRate),
        baselinePositiveRate: round4(assessment.baselinePositiveRate),
        samples: Math.round(assessment.samples),
        window: spec.window,
        lastEvaluated: rfc3339(new Date()),
        message,
        signals: step.signals.map(roundSignal),
      },
      condition: driftCondition(step.status, message),
    };
    for (const field of Object.keys(report.drift) as (keyof DriftStatus)[]) {
      if (report.drift[field] === undefined) delete report.drift[field];
    }
    if (significant(target.published, report, this.tolerance)) {
      target.published = report;
      this.options.onChange(target.key);
    }
  }

  /** The answers for the enabled signals of `spec`; the baselines of every signal come in one query. */
  private async fetch(url: string, series: ModelSeries, spec: DriftSpec): Promise<WindowData> {
    const q = (query: string): Promise<Sample[]> =>
      instantQuery(url, query, this.queryTimeoutMs, this.options.maxResponseBytes);
    const histogramSignals = enabledSignals(spec)
      .map((s) => s.signal)
      .filter(isHistogramSignal);
    const [lives, baseline, labels, positiveRate, samples] = await Promise.all([
      Promise.all(histogramSignals.map((signal) => q(histogramBucketsQuery(signal, series, spec.window)))),
      histogramSignals.length > 0 ? q(baselineRatioQuery(series)) : Promise.resolve([]),
      q(predictionsByLabelQuery(series, spec.window)),
      q(baselinePositiveRateQuery(series)),
      q(baselineSamplesQuery(series)),
    ]);
    const histograms: Partial<Record<HistogramSignal, HistogramWindow>> = {};
    histogramSignals.forEach((signal, i) => {
      histograms[signal] = {
        buckets: buckets(lives[i]),
        baseline: buckets(baseline.filter((s) => s.labels.signal === signal)),
      };
    });
    const count = (label: string): number => labels.find((s) => s.labels.label === label)?.value ?? 0;
    return {
      histograms,
      baselineSamples: samples[0]?.value,
      labels: labels.length > 0 ? { negative: count('negative'), positive: count('positive') } : undefined,
      baselinePositiveRate: positiveRate[0]?.value,
    };
  }
}

/** A signal's entry as status.drift.signals holds it: figures to 4 decimals, no empty fields. */
function roundSignal(s: DriftSignalStatus): DriftSignalStatus {
  const out: DriftSignalStatus = {
    name: s.name,
    state: s.state,
    score: round4(s.score),
    warningThreshold: s.warningThreshold,
    criticalThreshold: s.criticalThreshold,
    samples: s.samples === undefined ? undefined : Math.round(s.samples),
    message: s.message === undefined ? undefined : truncateText(s.message, SIGNAL_MESSAGE_CHARS),
  };
  for (const field of Object.keys(out) as (keyof DriftSignalStatus)[]) {
    if (out[field] === undefined) delete out[field];
  }
  return out;
}
