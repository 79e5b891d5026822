// From one evaluation's numbers to a signal's state, and from a sequence of states to the one that is
// reported (hysteresis), so a single noisy window or a single failed query cannot flap the resource.
// Each drift signal goes through both on its own; combine.ts makes the model's status of them.
import type { SignalState } from '../api/types';

export interface ClassifyInput {
  /** The signal's score against the baseline (PSI, or the positive-rate difference); undefined when it could not be computed. */
  score: number | undefined;
  /** How messages name the score: `PSI` unless said otherwise. */
  scoreName?: string;
  /** Predictions in the window. */
  n: number;
  minSamples: number;
  warning: number;
  critical: number;
  /** noiseFloor(n, m): thresholds below it are lifted to it. */
  floor: number;
  hasBaseline: boolean;
  /** The baseline series a missing baseline would be, for the NoBaseline message. */
  baselineSeries?: string;
}

export interface Observation {
  status: SignalState;
  message: string;
}

const fmt = (x: number): string => x.toFixed(4);

/**
 * One evaluation's verdict. The thresholds in use are max(threshold, floor): the user's thresholds
 * keep their PSI meaning whenever the window is large enough to tell them from noise, and a window too
 * small for that cannot raise an alarm on noise alone. (Adding the floor to the thresholds instead
 * would move every threshold, even on large windows, and make the configured numbers lie.)
 */
export function classify(input: ClassifyInput): Observation {
  const { score, n, minSamples, warning, critical, floor, hasBaseline } = input;
  const name = input.scoreName ?? 'PSI';
  if (!hasBaseline)
    return {
      status: 'NoBaseline',
      message: `the model carries no baseline for this signal${input.baselineSeries ? ` (${input.baselineSeries} is absent)` : ''}`,
    };
  if (!(n >= minSamples))
    return {
      status: 'InsufficientData',
      message: `${Math.round(n)} predictions in the window, fewer than minSamples ${minSamples}`,
    };
  if (score === undefined || !Number.isFinite(score))
    return { status: 'Unknown', message: `${name} could not be computed from the window` };
  const warnAt = Math.max(warning, floor);
  const criticalAt = Math.max(critical, floor);
  const lifted =
    floor > warning ? ` (thresholds lifted to the noise floor ${fmt(floor)} for n=${Math.round(n)})` : '';
  if (score > criticalAt)
    return {
      status: 'Drifted',
      message: `${name} ${fmt(score)} is above the critical threshold ${fmt(criticalAt)}${lifted}`,
    };
  if (score >= warnAt)
    return {
      status: 'Warning',
      message: `${name} ${fmt(score)} is at or above the warning threshold ${fmt(warnAt)}${lifted}`,
    };
  return {
    status: 'Healthy',
    message: `${name} ${fmt(score)} is below the warning threshold ${fmt(warnAt)}${lifted}`,
  };
}

/** Consecutive agreeing evaluations a change of the reported status needs. */
export const CONFIRMATIONS = 2;

export interface DriftState {
  /** The reported state; undefined before the first evaluation. */
  status?: SignalState;
  /** A different state seen on the latest evaluation(s), not yet confirmed. */
  pending?: SignalState;
  /** How many consecutive evaluations agreed on `pending`. */
  pendingCount?: number;
}

export interface NextState {
  status: SignalState;
  pending?: SignalState;
  pendingCount?: number;
  /** The reported status changed on this evaluation (write it, emit an Event). */
  transitioned: boolean;
}

/** Healthy < Warning < Drifted; InsufficientData, Unknown and NoBaseline are statements about the evidence. */
const SEVERITY: Partial<Record<SignalState, number>> = { Healthy: 0, Warning: 1, Drifted: 2 };

/**
 * The status two consecutive observations agree on, seen from the reported one, or undefined.
 * Equal observations agree. Two verdicts on the same side of a reported verdict agree on the one
 * nearer to it: from Healthy, Drifted then Warning agree that it is at least Warning, so PSI
 * oscillating around the critical threshold still leaves Healthy. From a status that is not a
 * verdict (none, InsufficientData, Unknown, NoBaseline), Warning and Drifted agree on Warning.
 */
function agreed(reported: SignalState | undefined, a: SignalState, b: SignalState): SignalState | undefined {
  if (a === b) return a;
  const sa = SEVERITY[a];
  const sb = SEVERITY[b];
  if (sa === undefined || sb === undefined) return undefined;
  const base = reported === undefined ? undefined : SEVERITY[reported];
  if (base === undefined) return sa > 0 && sb > 0 ? 'Warning' : undefined;
  if (sa > base && sb > base) return sa < sb ? a : b;
  if (sa < base && sb < base) return sa > sb ? a : b;
  return undefined;
}

/**
 * Hysteresis. A change of the reported status needs CONFIRMATIONS consecutive evaluations that agree
 * (see `agreed`); one that agrees with the reported status clears what was pending.
 *
 * - The first evaluation ever (no reported status) sets Healthy, InsufficientData, Unknown or NoBaseline at once:
 *   they raise no alarm, and the resource should say something from the start. Warning or Drifted is
 *   not trusted on one window: the status is Unknown with the alarm pending until it is confirmed.
 * - Unknown because Prometheus failed goes through the same rule: one failed query keeps a Drifted
 *   model Drifted (the caller says in the message that the last query failed); a second consecutive
 *   failure reports Unknown. Likewise a recovery needs two good evaluations.
 */
export function nextState(prev: DriftState | undefined, observed: SignalState): NextState {
  const reported = prev?.status;
  if (reported === undefined) {
    if (SEVERITY[observed] === undefined || observed === 'Healthy')
      return { status: observed, transitioned: true };
    return { status: 'Unknown', pending: observed, pendingCount: 1, transitioned: true };
  }
  if (observed === reported) return { status: reported, transitioned: false };
  const target = prev?.pending === undefined ? undefined : agreed(reported, prev.pending, observed);
  const count = target === undefined ? 1 : (prev?.pendingCount ?? 1) + 1;
  const pending = target ?? observed;
  if (count >= CONFIRMATIONS) return { status: pending, transitioned: true };
  return { status: reported, pending, pendingCount: count, transitioned: false };
}
