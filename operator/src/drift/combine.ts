// The combination rule: from one evaluation of every enabled signal (assess.ts) and each signal's
// hysteresis state to the model's drift status, score, message and status.drift.signals. Pure; the
// evaluator keeps the states between evaluations. docs/drift.md ("Several signals") explains it.
import { isDeepStrictEqual } from 'node:util';
import { SERVER_METRICS, type DriftSignal } from '@sentiment-operator/contract';
import type { DriftSignalStatus, DriftStatusValue, SignalState } from '../api/types';
import type { Assessment, SignalAssessment } from './assess';
import { nextState, type DriftState } from './classify';
import { SIGNAL_TITLES, isHistogramSignal, meaningOf } from './signals';

/**
 * How bad each state is for the model: an alarm on any signal is the model's alarm; then a signal
 * that could not be evaluated (Unknown) or had too few observations (InsufficientData) stops the
 * model from being called Healthy, which needs every signal with a baseline Healthy. NoBaseline does
 * not count at all: a model file without that baseline cannot be judged on that signal.
 */
const RANK: Readonly<Record<SignalState, number>> = {
  NoBaseline: -1,
  Healthy: 0,
  InsufficientData: 1,
  Unknown: 2,
  Warning: 3,
  Drifted: 4,
};

/** The worst state among `states` that counts; Unknown when none does (no signal has a baseline). */
export function worstState(states: readonly SignalState[]): DriftStatusValue {
  let worst: SignalState | undefined;
  for (const s of states) if (s !== 'NoBaseline' && (worst === undefined || RANK[s] > RANK[worst])) worst = s;
  return (worst ?? 'Unknown') as DriftStatusValue;
}

const NO_BASELINE_SERIES = `Prometheus has no ${SERVER_METRICS.baselineRatio} or ${SERVER_METRICS.baselinePositiveRate} series for it`;

const isAlarm = (s: SignalState): boolean => s === 'Warning' || s === 'Drifted';

export interface Combined {
  /** The model's reported status: the worst confirmed state of the enabled signals. */
  status: DriftStatusValue;
  /** The worst state this evaluation observed, before hysteresis. */
  observed: DriftStatusValue;
  /** The highest PSI among the histogram signals in this evaluation. */
  score?: number;
  /** status.drift.signals, unrounded. */
  signals: DriftSignalStatus[];
  /** Each enabled signal's hysteresis state, for the next evaluation. */
  states: Map<DriftSignal, DriftState>;
  /** status.drift.message: the signals that moved and what it means. */
  message: string;
}

const fmt = (x: number): string => x.toFixed(4);

/** `PSI 0.4100`, `shift 0.1772`. */
function scoreText(a: SignalAssessment): string {
  return `${a.signal === 'positiveRate' ? 'shift' : 'PSI'} ${a.score === undefined ? 'n/a' : fmt(a.score)}`;
}

/** The threshold a state was decided by, as in force: lifted to the noise floor when that is higher. */
function thresholdText(a: SignalAssessment, level: 'warning' | 'drift'): string {
  const configured = level === 'drift' ? a.criticalThreshold : a.warningThreshold;
  if (a.floor > configured && Number.isFinite(a.floor))
    return `${level} at ${fmt(a.floor)}, the noise floor for n=${Math.round(a.samples)}`;
  return `${level} at ${configured}`;
}

/**
 * One signal in words, as the model's message and Events put it:
 * `unknown-token share PSI 0.4100 (drift at 0.25): inputs use words the model has not seen`.
 */
export function describeSignal(a: SignalAssessment): string {
  const title = SIGNAL_TITLES[a.signal];
  switch (a.status) {
    case 'Drifted':
      return `${title} ${scoreText(a)} (${thresholdText(a, 'drift')}): ${meaningOf(a.signal)}`;
    case 'Warning':
      return `${title} ${scoreText(a)} (${thresholdText(a, 'warning')}): ${meaningOf(a.signal)}`;
    case 'Healthy':
      return `${title} ${scoreText(a)} (${thresholdText(a, 'warning')})`;
    case 'NoBaseline':
      return `${title}: no baseline`;
    default:
      return `${title}: ${a.message}`;
  }
}

/** `a; b` for the signals in `state`, or their one message when they share it (a failed query). */
function sameStateText(signals: readonly SignalAssessment[]): string {
  const messages = new Set(signals.map((s) => s.message));
  if (messages.size === 1 && signals.length > 1) return signals[0].message;
  return signals.map(describeSignal).join('; ');
}

/** The model's message for one evaluation's observations, worst signals first. */
export function overallMessage(observed: readonly SignalAssessment[]): string {
  if (observed.length === 0) return 'every drift signal is disabled in spec.drift.signals';
  const counted = observed.filter((s) => s.status !== 'NoBaseline');
  const missing = observed.filter((s) => s.status === 'NoBaseline');
  const noBaseline =
    missing.length > 0
      ? `no baseline in the model file for ${missing.map((s) => SIGNAL_TITLES[s.signal]).join(', ')}`
      : '';
  if (counted.length === 0)
    return `the model carries no baseline for any enabled signal (${missing.map((s) => SIGNAL_TITLES[s.signal]).join(', ')}): ${NO_BASELINE_SERIES}`;
  const worst = worstState(counted.map((s) => s.status));
  const parts: string[] = [];
  if (isAlarm(worst)) {
    const alarms = counted.filter((s) => isAlarm(s.status)).sort((a, b) => RANK[b.status] - RANK[a.status]);
    parts.push(alarms.map(describeSignal).join('; '));
    const rest = counted.filter((s) => !isAlarm(s.status));
    if (rest.length > 0) parts.push(`other signals: ${rest.map(describeSignal).join(', ')}`);
  } else if (worst === 'Healthy') {
    parts.push(`every signal is below its warning threshold: ${counted.map(describeSignal).join(', ')}`);
  } else {
    parts.push(sameStateText(counted.filter((s) => s.status === worst)));
    const rest = counted.filter((s) => s.status !== worst);
    if (rest.length > 0) parts.push(`other signals: ${rest.map(describeSignal).join(', ')}`);
  }
  if (noBaseline) parts.push(noBaseline);
  return parts.join('; ');
}

const heldNote = (state: SignalState, what: string): string =>
  `; the ${what} stays ${state} until the next evaluation agrees`;

/**
 * The step of one evaluation: each enabled signal's observation goes through its own hysteresis
 * (classify.ts nextState), the model's status is the worst confirmed state (worstState), the score
 * the highest PSI. A signal no longer enabled is forgotten; one enabled anew starts without a state,
 * as any first evaluation does.
 */
export function combine(assessment: Assessment, previous: ReadonlyMap<DriftSignal, DriftState>): Combined {
  const states = new Map<DriftSignal, DriftState>();
  const signals: DriftSignalStatus[] = [];
  for (const a of assessment.signals) {
    const next = nextState(previous.get(a.signal), a.status);
    states.set(a.signal, { status: next.status, pending: next.pending, pendingCount: next.pendingCount });
    const entry: DriftSignalStatus = {
      name: a.signal,
      state: next.status,
      score: a.score,
      warningThreshold: a.warningThreshold,
      criticalThreshold: a.criticalThreshold,
      samples: a.samples,
      message: next.status === a.status ? a.message : a.message + heldNote(next.status, 'state'),
    };
    signals.push(entry);
  }
  const status = worstState(signals.map((s) => s.state));
  const observed = worstState(assessment.signals.map((s) => s.status));
  const psi = assessment.signals
    .filter((s) => isHistogramSignal(s.signal) && s.score !== undefined && Number.isFinite(s.score))
    .map((s) => s.score as number);
  const text = overallMessage(assessment.signals);
  return {
    status,
    observed,
    score: psi.length > 0 ? Math.max(...psi) : undefined,
    signals,
    states,
    message: status === observed ? text : text + heldNote(status, 'status'),
  };
}

/**
 * The hysteresis states to resume from after a restart: status.drift.signals as written, or, from a
 * status written before there were several signals, its status as the confidence signal's.
 */
export function resumedStates(
  drift: { status?: DriftStatusValue; signals?: readonly DriftSignalStatus[] } | undefined,
): Map<DriftSignal, DriftState> {
  const states = new Map<DriftSignal, DriftState>();
  if (drift?.signals) for (const s of drift.signals) states.set(s.name, { status: s.state });
  else if (drift?.status) states.set('confidence', { status: drift.status });
  return states;
}

/**
 * Signals whose confirmed state moved into, out of or between Warning and Drifted from `before` to
 * `after`: what an Event names when the model's status itself stays the same.
 */
export function alarmChanges(
  before: readonly DriftSignalStatus[] | undefined,
  after: readonly DriftSignalStatus[] | undefined,
): { signal: DriftSignalStatus; from: SignalState | undefined }[] {
  const old = new Map((before ?? []).map((s) => [s.name, s.state]));
  return (after ?? [])
    .filter((s) => old.get(s.name) !== s.state && (isAlarm(s.state) || isAlarm(old.get(s.name) ?? 'Healthy')))
    .map((signal) => ({ signal, from: old.get(signal.name) }));
}

/** Whether two signal lists differ in anything but their scores, samples and messages. */
export function sameSignalStates(
  a: readonly DriftSignalStatus[] | undefined,
  b: readonly DriftSignalStatus[] | undefined,
): boolean {
  const key = (list: readonly DriftSignalStatus[] | undefined) =>
    (list ?? []).map((s) => [s.name, s.state, s.warningThreshold, s.criticalThreshold]);
  return isDeepStrictEqual(key(a), key(b));
}
