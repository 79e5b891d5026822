// One reconcile of one SentimentModel: read it, apply the children its spec wants (skipping applies
// that would change nothing), delete the children it no longer wants, then compute the status from
// what was observed and write it only if it changed. Level-triggered: the outcome depends only on the
// current state, never on which event caused the run, so it converges from any state.
import type { Logger } from 'winston';
import { formatIssues, validateSpec } from '../api/validate';
import type { DriftStatus, SentimentModel } from '../api/types';
import { ANNOTATION_DRIFT_EVALUATED_AT, ANNOTATION_DRIFT_SCORE, ANNOTATION_DRIFT_STATUS } from '../api/names';
import type { OperatorConfig } from '../config';
import { ModelUriError, modelLocation } from '../resources/model-source';
import type { V1Deployment } from '../resources/k8s-types';
import {
  DEPLOYMENT,
  CHILD_KINDS,
  desiredChildren,
  kindKey,
  type Capabilities,
  type ChildKind,
  type KubeObject,
} from './children';
import { applyReason, controlledBy, controllerOf, isSubset, overlay, withAppliedHash } from './diff';
import { alarmChanges } from '../drift/combine';
import type { DriftEvaluator } from '../drift/evaluator';
import { SIGNAL_TITLES } from '../drift/signals';
import type { EventRecorder } from './events';
import { describeError, statusCode, type Kube } from './kube';
import { podProblems } from './pod-problems';
import { computeStatus, rolloutOf, sameStatus, type Problem } from './status';

export interface ReconcileResult {
  /** Run again after this long even without an event (a problem the operator cannot watch). */
  requeueAfterMs?: number;
}

/** How often a model whose problem the operator cannot watch (a missing PVC) is looked at again. */
export const PROBLEM_RECHECK_MS = 30_000;

/** Caches which optional kinds the API server serves; discovery is cheap but not free. */
export class CapabilityCache {
  private value: Capabilities | undefined;
  private fetchedAt = 0;

  constructor(
    private readonly kube: Kube,
    private readonly ttlMs = 60_000,
  ) {}

  async get(): Promise<Capabilities> {
    if (this.value && Date.now() - this.fetchedAt < this.ttlMs) return this.value;
    const served = new Set<string>();
    for (const kind of CHILD_KINDS.filter((k) => k.optional)) {
      if (await this.kube.serves(kind)) served.add(kindKey(kind));
    }
    this.value = { served };
    this.fetchedAt = Date.now();
    return this.value;
  }
}

function kindOf(object: KubeObject): ChildKind {
  const kind = CHILD_KINDS.find((k) => k.kind === object.kind && k.apiVersion === object.apiVersion);
  if (!kind) throw new Error(`no child kind ${object.apiVersion}/${object.kind}`);
  return kind;
}

/** Errors the API server gives for an object it will never accept as is: retrying will not help. */
function isPermanent(error: unknown): boolean {
  const code = statusCode(error);
  return code === 400 || code === 403 || code === 422;
}

export class Reconciler {
  constructor(
    private readonly kube: Kube,
    private readonly config: OperatorConfig,
    private readonly capabilities: CapabilityCache,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
    private readonly drift?: DriftEvaluator,
  ) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const stored = await this.kube.getModel(namespace, name);
    if (!stored || stored.metadata.deletionTimestamp) return {}; // garbage collection removes the children

    const problems: Problem[] = [];
    const notes: string[] = [];
    let applied = true;
    let deployment: V1Deployment | undefined;
    const changes: string[] = [];

    const validation = validateSpec(stored.spec, name);
    if (!validation.valid) {
      problems.push({ reason: 'InvalidSpec', message: formatIssues(validation.errors) });
      applied = false;
    } else {
      // Build from the defaulted spec: an object stored before a schema default existed still works.
      const sm: SentimentModel = { ...stored, spec: validation.spec };
      if (this.drift && sm.spec.drift.enabled) this.drift.track(sm);
      else this.drift?.forget(`${namespace}/${name}`);
      problems.push(...(await this.preflight(sm)));
      const capabilities = await this.capabilities.get();
      const desired = desiredChildren(sm, this.config, capabilities);
      for (const kind of desired.unserved) {
        notes.push(`${kind.kind} not created: the cluster does not serve ${kind.apiVersion}`);
      }
      // Read every child at once: a reconcile that changes nothing is only these reads.
      const kinds = [...desired.present.map(kindOf), ...desired.absent];
      const observed = await Promise.all(kinds.map((k) => this.kube.get(k, namespace, name)));
      const current = new Map(kinds.map((k, i) => [k, observed[i]]));
      // Children are independent objects: apply them all at once, then collect in the desired order,
      // so that a reconcile of a new model costs one round trip for its children, not one per child.
      const outcomes = await Promise.all(
        desired.present.map(async (object) => {
          const own = { changes: [] as string[], problems: [] as Problem[] };
          const outcome = await this.applyChild(
            sm,
            object,
            current.get(kindOf(object)),
            own.changes,
            own.problems,
          );
          return { object, outcome, ...own };
        }),
      );
      for (const { object, outcome, changes: c, problems: p } of outcomes) {
        changes.push(...c);
        problems.push(...p);
        if (!outcome.ok) applied = false;
        if (object.kind === DEPLOYMENT.kind) deployment = outcome.observed as V1Deployment | undefined;
      }
      // While the rollout is incomplete, the pods say why (a failed model download, a crash loop).
      if (deployment && !rolloutOf(deployment)?.complete) {
        problems.push(...podProblems(await this.kube.listPods(namespace, name)));
      }
      const deleted = await Promise.all(
        desired.absent.map(async (kind) => {
          const own: string[] = [];
          await this.deleteChild(kind, sm, current.get(kind), own);
          return own;
        }),
      );
      changes.push(...deleted.flat());
    }

    // Events go out beside the status write; the recorder never throws.
    const events: Promise<void>[] = [];
    if (changes.length > 0) {
      events.push(this.events.record(stored, 'Normal', 'ChildrenApplied', changes.join(', ')));
      this.logger.info('applied children', { namespace, sentimentmodel: name, changes });
    }
    for (const problem of problems)
      events.push(this.events.record(stored, 'Warning', problem.reason, problem.message));

    const report =
      stored.spec.drift?.enabled === false ? undefined : this.drift?.report(`${namespace}/${name}`);
    const status = computeStatus(stored, {
      deployment,
      applied,
      problems,
      notes,
      now: new Date(),
      drift: report,
    });
    if (!sameStatus(stored.status, status)) {
      await Promise.all([this.kube.updateStatus(stored, status), ...events]);
      await this.announceDrift(stored, status.drift);
    } else {
      await Promise.all(events);
    }
    // After the status write: that one is preconditioned on the resourceVersion this patch changes.
    const annotations = annotationChanges(stored, status.drift);
    if (annotations) await this.kube.patchAnnotations(stored, annotations);
    return problems.length > 0 ? { requeueAfterMs: PROBLEM_RECHECK_MS } : {};
  }

  /**
   * A Kubernetes Event when the drift status written differs from the one stored before; while the
   * status stays Warning or Drifted, one when a signal moves into, out of or between them, so the
   * Events name every signal that moved (drift/combine.ts alarmChanges).
   */
  private async announceDrift(stored: SentimentModel, drift: DriftStatus | undefined): Promise<void> {
    const before = stored.status?.drift?.status;
    if (!drift?.status) return;
    const alarm = drift.status === 'Drifted' || drift.status === 'Warning';
    if (drift.status === before) {
      const moved = alarm ? alarmChanges(stored.status?.drift?.signals, drift.signals) : [];
      if (moved.length === 0) return;
      const worse = moved.some(({ signal }) => signal.state === 'Drifted' || signal.state === 'Warning');
      await this.events.record(
        stored,
        worse ? 'Warning' : 'Normal',
        'DriftSignalChanged',
        `drift status stays ${drift.status}; ${moved
          .map(
            ({ signal, from }) =>
              `${SIGNAL_TITLES[signal.name]} ${from ?? 'none'} -> ${signal.state}: ${signal.message ?? ''}`,
          )
          .join('; ')}`,
      );
      return;
    }
    // The first evaluation of a new model says little (no traffic yet, or Prometheus not set up); an
    // Event for it would be one more write per model for nothing. Alarms are always announced.
    if (before === undefined && !alarm) return;
    const score = drift.score === undefined ? '' : ` (PSI ${drift.score.toFixed(4)})`;
    await this.events.record(
      stored,
      alarm ? 'Warning' : 'Normal',
      `Drift${drift.status}`,
      `drift status ${before ?? 'none'} -> ${drift.status}${score}: ${drift.message ?? ''}`,
    );
  }

  /** What the API server cannot reject but will stop the model from working. */
  private async preflight(sm: SentimentModel): Promise<Problem[]> {
    let location;
    try {
      location = modelLocation(sm.spec.model);
    } catch (error) {
      if (error instanceof ModelUriError) return [{ reason: 'InvalidModelUri', message: error.message }];
      throw error;
    }
    if (location.kind === 'pvc' && !(await this.kube.pvcExists(sm.metadata.namespace, location.claimName))) {
      return [
        {
          reason: 'ModelClaimNotFound',
          message: `PersistentVolumeClaim ${location.claimName} (from spec.model.uri) does not exist in namespace ${sm.metadata.namespace}`,
        },
      ];
    }
    return [];
  }

  private async applyChild(
    sm: SentimentModel,
    object: KubeObject,
    current: KubeObject | undefined,
    changes: string[],
    problems: Problem[],
  ): Promise<{ ok: boolean; observed?: KubeObject }> {
    const kind = kindOf(object);
    if (current && !controlledBy(current, sm.metadata.uid)) {
      const owner = controllerOf(current);
      problems.push({
        reason: 'ChildConflict',
        message: `${kind.kind} ${sm.metadata.name} already exists and is ${owner ? `controlled by ${owner.kind} ${owner.name}` : 'not controlled by this SentimentModel'}; rename or delete it`,
      });
      return { ok: false, observed: undefined };
    }
    const want = withAppliedHash(object);
    if (kind === DEPLOYMENT && sm.spec.autoscaling.enabled && current) {
      // The HPA sets the replica count. Re-applying the count it chose keeps the operator's ownership
      // of the field without changing it; leaving the field out would make server-side apply reset it
      // to 1 when autoscaling is switched on.
      (want.spec as { replicas?: number }).replicas = (current.spec as { replicas?: number }).replicas;
    }
    const reason = applyReason(want, current);
    if (!reason) return { ok: true, observed: current };
    try {
      let observed = await this.kube.apply(kind, want);
      if (!isSubset(want, observed)) {
        // Server-side apply kept a co-owned field from a hand edit (see overlay): write it back whole.
        observed = await this.kube.replace(kind, overlay(observed, want));
      }
      changes.push(
        `${reason === 'create' ? 'created' : reason === 'drifted' ? 'restored' : 'updated'} ${kind.kind}`,
      );
      return { ok: true, observed };
    } catch (error) {
      if (!isPermanent(error)) throw error;
      if (current && statusCode(error) === 422 && reason === 'drifted') {
        // The apply itself was invalid because of the co-owned field (two ports named http, say).
        const observed = await this.kube.replace(kind, overlay(current, want));
        changes.push(`restored ${kind.kind}`);
        return { ok: true, observed };
      }
      problems.push({ reason: 'ApplyFailed', message: `${kind.kind} rejected: ${describeError(error)}` });
      return { ok: false, observed: current };
    }
  }

  private async deleteChild(
    kind: ChildKind,
    sm: SentimentModel,
    current: KubeObject | undefined,
    changes: string[],
  ): Promise<void> {
    if (!current || !controlledBy(current, sm.metadata.uid)) return;
    await this.kube.delete(kind, current);
    changes.push(`deleted ${kind.kind}`);
  }
}

/**
 * The merge patch that makes the model's drift annotations match `drift` (null removes one), or
 * undefined when they already do. Without drift (disabled, or not evaluated yet) the annotations go.
 */
export function annotationChanges(
  sm: SentimentModel,
  drift: DriftStatus | undefined,
): Record<string, string | null> | undefined {
  const want: Record<string, string | undefined> = {
    [ANNOTATION_DRIFT_STATUS]: drift?.status,
    [ANNOTATION_DRIFT_SCORE]: drift?.score === undefined ? undefined : drift.score.toFixed(4),
    [ANNOTATION_DRIFT_EVALUATED_AT]: drift?.status ? drift.lastEvaluated : undefined,
  };
  const have = sm.metadata.annotations ?? {};
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(want)) {
    if (value === undefined && key in have) patch[key] = null;
    else if (value !== undefined && have[key] !== value) patch[key] = value;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
