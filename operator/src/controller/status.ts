// The SentimentModel's status, computed purely from the model and what the reconciler observed. The
// reconciler writes it only when it differs from the stored one, and a condition keeps its
// lastTransitionTime while its status stays the same, so an unchanged world produces no write.
import { LABEL_INSTANCE, LABEL_NAME, selectorLabels } from '../api/names';
import type { Condition, SentimentModel, SentimentModelStatus } from '../api/types';
import type { V1Deployment } from '../resources/k8s-types';
import { serviceUrl } from '../resources/service';
import type { DriftReport } from '../drift/evaluator';
import { stableJson } from './diff';

/** Something that stops the model from working as specified; it sets Degraded=True. */
export interface Problem {
  reason: string;
  message: string;
}

export interface Observation {
  deployment?: V1Deployment;
  /** The children were applied for the current generation (no apply error). */
  applied: boolean;
  problems: Problem[];
  /** Facts worth a line in the Ready message that do not degrade the model. */
  notes: string[];
  now: Date;
  /** The drift evaluator's latest report; without one the stored drift status is kept. */
  drift?: DriftReport;
}

export function selectorString(name: string): string {
  const labels = selectorLabels(name);
  return [LABEL_INSTANCE, LABEL_NAME].map((k) => `${k}=${labels[k]}`).join(',');
}

interface Rollout {
  desired: number;
  ready: number;
  available: number;
  updated: number;
  total: number;
  current: boolean;
  complete: boolean;
  deadlineExceeded: boolean;
}

/** Whether the Deployment runs the desired number of updated, ready pods and nothing else. */
export function rolloutOf(deployment: V1Deployment | undefined): Rollout | undefined {
  if (!deployment) return undefined;
  const s = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const current = (s.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1);
  const complete =
    current && updated >= desired && total <= updated && ready >= desired && available >= desired;
  const deadlineExceeded = (s.conditions ?? []).some(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
  return { desired, ready, available, updated, total, current, complete, deadlineExceeded };
}

type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * `conditions` with `next` set: lastTransitionTime moves only when the status changes, so rewriting
 * the same condition is a no-op.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const condition: Condition = {
    type: next.type,
    status: next.status,
    observedGeneration: generation,
    lastTransitionTime:
      previous && previous.status === next.status ? previous.lastTransitionTime : rfc3339(now),
    reason: next.reason,
    message: next.message,
  };
  if (generation === undefined) delete condition.observedGeneration;
  const others = conditions.filter((c) => c.type !== next.type);
  return [...others, condition];
}

/** RFC 3339 in whole seconds, the precision of metav1.Time. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const CONDITION_ORDER = ['Ready', 'Available', 'Progressing', 'Degraded', 'DriftDetected'];

function ordered(conditions: Condition[]): Condition[] {
  const rank = (t: string): number => {
    const i = CONDITION_ORDER.indexOf(t);
    return i === -1 ? CONDITION_ORDER.length : i;
  };
  return [...conditions].sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

function replicaSummary(r: Rollout): string {
  return `${r.ready}/${r.desired} replicas ready, ${r.updated} updated, ${r.available} available`;
}

export function computeStatus(sm: SentimentModel, observed: Observation): SentimentModelStatus {
  const previous = sm.status ?? {};
  const generation = sm.metadata.generation;
  const rollout = rolloutOf(observed.deployment);
  const problems = [...observed.problems];
  if (rollout?.deadlineExceeded) {
    problems.push({
      reason: 'ProgressDeadlineExceeded',
      message: `the Deployment made no progress within its deadline (${replicaSummary(rollout)})`,
    });
  }

  const status: SentimentModelStatus = {
    observedGeneration: observed.applied ? generation : previous.observedGeneration,
    replicas: observed.deployment?.status?.replicas ?? 0,
    readyReplicas: rollout?.ready ?? 0,
    selector: selectorString(sm.metadata.name),
    replicasReady: `${rollout?.ready ?? 0}/${rollout?.desired ?? desiredReplicas(sm)}`,
    url: serviceUrl(sm),
  };
  const version = sm.spec.model.version ?? previous.modelVersion;
  if (version !== undefined) status.modelVersion = version;
  if (sm.spec.model.sha256 !== undefined) status.modelSha256 = sm.spec.model.sha256;
  const drift = sm.spec.drift.enabled ? (observed.drift?.drift ?? previous.drift) : undefined;
  if (drift !== undefined) status.drift = drift;

  let conditions = previous.conditions ?? [];
  const set = (c: ConditionInput): void => {
    conditions = setCondition(conditions, c, generation, observed.now);
  };

  const notes = observed.notes.length > 0 ? `; ${observed.notes.join('; ')}` : '';
  const ready =
    rollout !== undefined &&
    rollout.complete &&
    rollout.desired > 0 &&
    observed.applied &&
    problems.length === 0;
  if (ready) {
    set({ type: 'Ready', status: 'True', reason: 'Ready', message: `${replicaSummary(rollout)}${notes}` });
  } else {
    const [reason, message] = notReady(rollout, observed.applied, problems);
    set({ type: 'Ready', status: 'False', reason, message: `${message}${notes}` });
  }

  if (rollout && rollout.available > 0) {
    set({
      type: 'Available',
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: `${rollout.available} replica(s) available`,
    });
  } else {
    set({
      type: 'Available',
      status: 'False',
      reason: 'NoReplicasAvailable',
      message: 'no replica is available',
    });
  }

  if (rollout?.deadlineExceeded) {
    set({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: replicaSummary(rollout),
    });
  } else if (!observed.applied || !rollout || !rollout.complete) {
    set({
      type: 'Progressing',
      status: 'True',
      reason: observed.applied ? 'RollingOut' : 'Reconciling',
      message: rollout ? replicaSummary(rollout) : 'creating the Deployment',
    });
  } else {
    set({
      type: 'Progressing',
      status: 'False',
      reason: 'RolloutComplete',
      message: replicaSummary(rollout),
    });
  }

  if (problems.length > 0) {
    set({
      type: 'Degraded',
      status: 'True',
      reason: problems[0].reason,
      message: problems.map((p) => p.message).join('; '),
    });
  } else {
    set({ type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no problem found' });
  }

  if (!sm.spec.drift.enabled) {
    set({
      type: 'DriftDetected',
      status: 'False',
      reason: 'DriftDisabled',
      message: 'spec.drift.enabled is false',
    });
  } else if (observed.drift) {
    set({ type: 'DriftDetected', ...observed.drift.condition });
  } else if (!conditions.some((c) => c.type === 'DriftDetected' && c.reason !== 'DriftDisabled')) {
    // A DriftDisabled condition left from before drift was enabled again is no evaluation result.
    set({
      type: 'DriftDetected',
      status: 'Unknown',
      reason: 'NotEvaluated',
      message: 'waiting for the first drift evaluation',
    });
  }

  status.conditions = ordered(conditions);
  return status;
}

function desiredReplicas(sm: SentimentModel): number {
  return sm.spec.autoscaling.enabled ? sm.spec.autoscaling.minReplicas : sm.spec.replicas;
}

function notReady(rollout: Rollout | undefined, applied: boolean, problems: Problem[]): [string, string] {
  if (problems.length > 0) return [problems[0].reason, problems.map((p) => p.message).join('; ')];
  if (!applied) return ['Reconciling', 'the children are not applied yet'];
  if (!rollout) return ['DeploymentMissing', 'the Deployment does not exist yet'];
  if (rollout.desired === 0) return ['ScaledToZero', 'the model is scaled to 0 replicas'];
  if (!rollout.current)
    return ['RolloutPending', 'the Deployment controller has not seen the latest spec yet'];
  return ['ReplicasNotReady', replicaSummary(rollout)];
}

/** True when two statuses hold the same data (the write-skipping test). */
export function sameStatus(
  a: SentimentModelStatus | undefined,
  b: SentimentModelStatus | undefined,
): boolean {
  const key = (s: SentimentModelStatus | undefined): string =>
    stableJson({ ...s, conditions: s?.conditions ? ordered(s.conditions) : undefined });
  return key(a) === key(b);
}
