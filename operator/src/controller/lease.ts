// The decisions of leader election on a coordination.k8s.io/v1 Lease, without any I/O: whether to
// acquire, renew or wait, what to write, and how long to sleep. leader-election.ts does the talking.
//
// Expiry is measured on OUR clock, from the moment we first saw the lease's current version (its
// resourceVersion), never from the holder's renewTime: the holder's clock may be skewed, and trusting
// it could let two instances lead at once. This is what client-go's leader election does too. The cost
// is that a fresh standby waits one full lease duration before taking over a lease it has never
// seen change; a released lease (empty holderIdentity) is free at once.

/** How a holder and its candidates pace themselves; see DEFAULT_LEADER_ELECTION for the values. */
export interface LeaseTiming {
  /** How long a lease stays valid after its last renewal, as seen by candidates. */
  leaseDurationSeconds: number;
  /** A leader that could not renew for this long stops leading; must be shorter than the lease. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
}

/** Retries wait retryPeriod × (1 + up to this), so candidates that started together drift apart. */
export const JITTER_FACTOR = 0.25;

/** The part of a Lease's spec that election reads. Times may arrive as strings or Dates. */
export interface LeaseRecord {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | Date | null;
  renewTime?: string | Date | null;
  leaseTransitions?: number | null;
}

/** The spec election writes: every field set, times as RFC 3339 MicroTime strings. */
export interface LeaseSpecBody {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** When we first saw the current version of the lease, on our clock. */
export interface Observation {
  /** metadata.resourceVersion of the lease, undefined when it does not exist. */
  resourceVersion: string | undefined;
  observedAtMs: number;
}

export type LeaseDecision =
  /** Create the lease or take it over (expired or released); `spec` bumps leaseTransitions. */
  | { action: 'acquire'; spec: LeaseSpecBody; previousHolder: string | undefined }
  /** We hold the lease: write `spec` to extend it. */
  | { action: 'renew'; spec: LeaseSpecBody }
  /** `holder` holds a valid lease that expires, unless renewed, in `waitMs`. */
  | { action: 'wait'; holder: string; waitMs: number };

export interface DecisionInput {
  /** The lease's spec, undefined when there is no lease. */
  current: LeaseRecord | undefined;
  /** When we first saw this version of the lease (see observe()). */
  observedAtMs: number;
  identity: string;
  nowMs: number;
  /** Our configured duration: written on acquire/renew, and assumed when the lease names none. */
  leaseDurationSeconds: number;
}

/** The new observation: unchanged while the lease keeps its resourceVersion, restarted when it changes. */
export function observe(
  previous: Observation | undefined,
  resourceVersion: string | undefined,
  nowMs: number,
): Observation {
  if (previous && previous.resourceVersion === resourceVersion) return previous;
  return { resourceVersion, observedAtMs: nowMs };
}

/** The holder a lease names, or undefined when it is free (missing or released). */
export function holderOf(current: LeaseRecord | undefined): string | undefined {
  return current?.holderIdentity ? current.holderIdentity : undefined;
}

export function decide(input: DecisionInput): LeaseDecision {
  const { current, identity, nowMs, leaseDurationSeconds } = input;
  const holder = holderOf(current);
  if (holder === identity) {
    return { action: 'renew', spec: leaseSpec(current, identity, nowMs, leaseDurationSeconds) };
  }
  if (holder !== undefined) {
    // The holder's own duration is its promise to candidates; ours only fills in a missing one.
    const durationSeconds = positiveOr(current?.leaseDurationSeconds, leaseDurationSeconds);
    const waitMs = input.observedAtMs + durationSeconds * 1000 - nowMs;
    if (waitMs > 0) return { action: 'wait', holder, waitMs };
  }
  return {
    action: 'acquire',
    spec: leaseSpec(current, identity, nowMs, leaseDurationSeconds),
    previousHolder: holder,
  };
}

/**
 * The spec `identity` writes at `nowMs`: a renewal keeps acquireTime and leaseTransitions; taking the
 * lease from anyone else (or from nobody, after a release) restarts acquireTime and counts a
 * transition; a lease that does not exist yet starts at 0 transitions.
 */
export function leaseSpec(
  current: LeaseRecord | undefined,
  identity: string,
  nowMs: number,
  leaseDurationSeconds: number,
): LeaseSpecBody {
  const now = formatMicroTime(nowMs);
  const transitions = current?.leaseTransitions ?? 0;
  if (current && holderOf(current) === identity) {
    return {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: current.acquireTime ? microTimeString(current.acquireTime) : now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current ? transitions + 1 : 0,
  };
}

/**
 * The spec a leader writes when it steps down: no holder, so candidates take it at their next try.
 * The 1 s duration makes even candidates that ignore an empty holder (older clients) wait only briefly.
 */
export function releasedLeaseSpec(current: LeaseRecord, nowMs: number): LeaseSpecBody {
  const now = formatMicroTime(nowMs);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: current.acquireTime ? microTimeString(current.acquireTime) : now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}

/** RFC 3339 with six fractional digits in UTC (metav1.MicroTime), e.g. 2026-11-23T10:00:00.123000Z. */
export function formatMicroTime(ms: number): string {
  // Date has millisecond precision, so the last three digits are always 0.
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function microTimeString(value: string | Date): string {
  return typeof value === 'string' ? value : formatMicroTime(value.getTime());
}

function positiveOr(value: number | null | undefined, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

/** `ms` stretched by up to JITTER_FACTOR; `random` is in [0, 1). */
export function jittered(ms: number, random: number): number {
  return ms * (1 + JITTER_FACTOR * random);
}

export interface RetryInput {
  timing: LeaseTiming;
  leading: boolean;
  /** Failed attempts in a row, 0 after a success. */
  consecutiveFailures: number;
  /** From the last decision when it was `wait`: sleeping past the expiry would only delay a takeover. */
  waitMs?: number;
  /** In [0, 1). */
  random: number;
}

/**
 * How long to sleep before the next attempt. A leader keeps its pace even while failing, since it has
 * only renewDeadline to succeed; a candidate backs off exponentially on errors, up to 4 retry periods,
 * to spare an API server that is struggling.
 */
export function nextDelayMs(input: RetryInput): number {
  const { timing, leading, consecutiveFailures, waitMs, random } = input;
  if (leading) return timing.retryPeriodMs;
  const backoff = consecutiveFailures > 0 ? Math.min(2 ** (consecutiveFailures - 1), 4) : 1;
  const delay = jittered(timing.retryPeriodMs * backoff, random);
  return waitMs !== undefined && waitMs < delay ? Math.max(0, waitMs) : delay;
}

/**
 * The longest a crash of the leader leaves the lease unheld when the API server answers: a candidate
 * sees the last renewal within one jittered retry period, then sleeps exactly until one lease duration
 * after that sighting. Request latency (a few ms on a healthy cluster) comes on top.
 */
export function worstCaseFailoverMs(timing: LeaseTiming): number {
  return timing.leaseDurationSeconds * 1000 + jittered(timing.retryPeriodMs, 1);
}

export type TimingField = 'leaseDuration' | 'renewDeadline' | 'retryPeriod';

export interface TimingViolation {
  field: TimingField;
  /** What the field must be, completing "FIELD must be ...". */
  rule: string;
}

const FIELD_NAMES: Record<TimingField, string> = {
  leaseDuration: 'leaseDurationSeconds',
  renewDeadline: 'renewDeadlineMs',
  retryPeriod: 'retryPeriodMs',
};

/**
 * What is wrong with `timing`; empty when it is usable. The one check of the lease timings: the
 * elector runs it on its config and the operator's flags (options.ts) run it with their own names.
 */
export function timingViolations(
  timing: LeaseTiming,
  names: Record<TimingField, string> = FIELD_NAMES,
): TimingViolation[] {
  const out: TimingViolation[] = [];
  const { leaseDurationSeconds, renewDeadlineMs, retryPeriodMs } = timing;
  // The Lease stores whole seconds (spec.leaseDurationSeconds).
  if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds < 1) {
    out.push({ field: 'leaseDuration', rule: 'a whole number of seconds, at least 1' });
  }
  if (!(retryPeriodMs > 0)) out.push({ field: 'retryPeriod', rule: 'positive' });
  // A leader must give up before candidates may take over, or two would lead at once.
  if (!(renewDeadlineMs < leaseDurationSeconds * 1000)) {
    out.push({
      field: 'renewDeadline',
      rule: `shorter than ${names.leaseDuration}, which is ${leaseDurationSeconds * 1000} ms`,
    });
  }
  // And it must get at least one more try at renewing before it gives up: retries are jittered.
  if (!(jittered(retryPeriodMs, 1) < renewDeadlineMs)) {
    out.push({
      field: 'retryPeriod',
      rule: `shorter than ${names.renewDeadline} / ${1 + JITTER_FACTOR} (retries wait up to ${JITTER_FACTOR * 100} % longer), which is ${Math.ceil(renewDeadlineMs / (1 + JITTER_FACTOR))} ms`,
    });
  }
  return out;
}

/** timingViolations as sentences. */
export function timingProblems(timing: LeaseTiming): string[] {
  return timingViolations(timing).map((v) => `${FIELD_NAMES[v.field]} must be ${v.rule}`);
}
