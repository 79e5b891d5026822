import { strict as assert } from 'node:assert';
import type { V1DeploymentCondition } from '@kubernetes/client-node';
import type { Condition, SentimentModel, SentimentModelStatus } from '../../src/api/types';
import {
  type Observation,
  computeStatus,
  rfc3339,
  sameStatus,
  selectorString,
  setCondition,
} from '../../src/controller/status';
import type { V1Deployment } from '../../src/resources/k8s-types';
import { basicModel } from './basic-sample';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const T1 = new Date('2026-03-01T12:05:30.750Z');

interface Pods {
  desired?: number;
  total?: number;
  updated?: number;
  ready?: number;
  available?: number;
  generation?: number;
  observedGeneration?: number;
  conditions?: V1DeploymentCondition[];
}

/** A Deployment as the API server returns it; by default a finished rollout of two replicas. */
function deployment(pods: Pods = {}): V1Deployment {
  const desired = pods.desired ?? 2;
  const generation = pods.generation ?? 4;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'imdb', namespace: 'ml', generation },
    spec: {
      replicas: desired,
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'imdb' } },
      template: { spec: { containers: [] } },
    },
    status: {
      observedGeneration: pods.observedGeneration ?? generation,
      replicas: pods.total ?? desired,
      updatedReplicas: pods.updated ?? desired,
      readyReplicas: pods.ready ?? desired,
      availableReplicas: pods.available ?? desired,
      conditions: pods.conditions,
    },
  };
}

const DEADLINE_EXCEEDED: V1DeploymentCondition = {
  type: 'Progressing',
  status: 'False',
  reason: 'ProgressDeadlineExceeded',
  message: 'ReplicaSet "imdb-5d4f" has timed out progressing.',
};

function model(overrides: Record<string, unknown> = {}, status?: SentimentModelStatus): SentimentModel {
  const sm = basicModel(overrides);
  sm.metadata.generation = 3;
  if (status) sm.status = status;
  return sm;
}

function observe(sm: SentimentModel, observation: Partial<Observation> = {}): SentimentModelStatus {
  return computeStatus(sm, {
    deployment: deployment(),
    applied: true,
    problems: [],
    notes: [],
    now: T0,
    ...observation,
  });
}

function condition(status: SentimentModelStatus, type: string): Condition {
  const found = status.conditions?.find((c) => c.type === type);
  assert.ok(found, `no ${type} condition`);
  return found;
}

/** type → [status, reason] of every condition, for compact expectations. */
function summary(status: SentimentModelStatus): Record<string, [string, string]> {
  return Object.fromEntries((status.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));
}

describe('computeStatus', () => {
  it('reports a missing Deployment: not Ready, DeploymentMissing', () => {
    const status = observe(model(), { deployment: undefined });
    assert.deepEqual(summary(status), {
      Ready: ['False', 'DeploymentMissing'],
      Available: ['False', 'NoReplicasAvailable'],
      Progressing: ['True', 'RollingOut'],
      Degraded: ['False', 'AsExpected'],
      DriftDetected: ['Unknown', 'NotEvaluated'],
    });
    assert.equal(status.replicas, 0);
    assert.equal(status.readyReplicas, 0);
    assert.equal(status.replicasReady, '0/1', 'the sample autoscales from minReplicas 1');
  });

  it('counts the desired replicas from spec.replicas when autoscaling is off', () => {
    const status = observe(model({ autoscaling: { enabled: false }, replicas: 3 }), {
      deployment: undefined,
    });
    assert.equal(status.replicasReady, '0/3');
  });

  it('is Ready once every desired replica runs the latest spec', () => {
    const sm = model();
    const status = observe(sm);
    assert.deepEqual(summary(status), {
      Ready: ['True', 'Ready'],
      Available: ['True', 'MinimumReplicasAvailable'],
      Progressing: ['False', 'RolloutComplete'],
      Degraded: ['False', 'AsExpected'],
      DriftDetected: ['Unknown', 'NotEvaluated'],
    });
    assert.equal(condition(status, 'Ready').message, '2/2 replicas ready, 2 updated, 2 available');
    assert.equal(condition(status, 'Available').message, '2 replica(s) available');
    assert.equal(status.observedGeneration, 3);
    assert.equal(status.replicas, 2);
    assert.equal(status.readyReplicas, 2);
    assert.equal(status.replicasReady, '2/2');
    assert.equal(status.url, 'http://imdb.ml.svc:8080');
    assert.equal(status.selector, selectorString('imdb'));
  });

  it('lists conditions in a fixed order, each for the current generation, stamped in whole seconds', () => {
    const status = observe(model(), { now: T1 });
    assert.deepEqual(
      status.conditions?.map((c) => c.type),
      ['Ready', 'Available', 'Progressing', 'Degraded', 'DriftDetected'],
    );
    for (const c of status.conditions ?? []) {
      assert.equal(c.observedGeneration, 3, c.type);
      assert.equal(c.lastTransitionTime, '2026-03-01T12:05:30Z', c.type);
    }
  });

  it('is not Ready while the Deployment controller has not observed the latest generation', () => {
    const status = observe(model(), { deployment: deployment({ generation: 5, observedGeneration: 4 }) });
    assert.deepEqual(summary(status).Ready, ['False', 'RolloutPending']);
    assert.deepEqual(summary(status).Progressing, ['True', 'RollingOut']);
  });

  it('is not Ready while a Deployment has no status yet', () => {
    const fresh = deployment();
    delete fresh.status;
    const status = observe(model(), { deployment: fresh });
    assert.deepEqual(summary(status).Ready, ['False', 'RolloutPending']);
    assert.deepEqual(summary(status).Available, ['False', 'NoReplicasAvailable']);
  });

  it('is rolling out while fewer replicas than desired run the new template', () => {
    const status = observe(model(), {
      deployment: deployment({ desired: 3, updated: 2, ready: 3, available: 3, total: 3 }),
    });
    assert.deepEqual(summary(status).Ready, ['False', 'ReplicasNotReady']);
    assert.equal(condition(status, 'Ready').message, '3/3 replicas ready, 2 updated, 3 available');
    assert.deepEqual(summary(status).Progressing, ['True', 'RollingOut']);
    assert.deepEqual(summary(status).Available, ['True', 'MinimumReplicasAvailable']);
  });

  it('is rolling out while pods of the old template still run beside the new ones', () => {
    const status = observe(model(), {
      deployment: deployment({ desired: 2, updated: 2, total: 3, ready: 3, available: 3 }),
    });
    assert.deepEqual(summary(status).Ready, ['False', 'ReplicasNotReady']);
    assert.deepEqual(summary(status).Progressing, ['True', 'RollingOut']);
    assert.equal(status.replicas, 3);
  });

  it('is not Ready while updated pods are not ready or not available yet', () => {
    assert.deepEqual(summary(observe(model(), { deployment: deployment({ ready: 1 }) })).Ready, [
      'False',
      'ReplicasNotReady',
    ]);
    assert.deepEqual(summary(observe(model(), { deployment: deployment({ available: 1 }) })).Ready, [
      'False',
      'ReplicasNotReady',
    ]);
  });

  it('reports a Deployment scaled to zero as ScaledToZero, not Ready', () => {
    const status = observe(model(), { deployment: deployment({ desired: 0 }) });
    assert.deepEqual(summary(status).Ready, ['False', 'ScaledToZero']);
    assert.deepEqual(summary(status).Available, ['False', 'NoReplicasAvailable']);
    assert.equal(status.replicasReady, '0/0');
  });

  it('is Degraded when the Deployment exceeded its progress deadline', () => {
    const status = observe(model(), {
      deployment: deployment({
        updated: 1,
        ready: 1,
        available: 1,
        total: 2,
        conditions: [DEADLINE_EXCEEDED],
      }),
    });
    assert.deepEqual(summary(status).Degraded, ['True', 'ProgressDeadlineExceeded']);
    assert.match(
      condition(status, 'Degraded').message,
      /no progress within its deadline \(1\/2 replicas ready/,
    );
    assert.deepEqual(summary(status).Progressing, ['False', 'ProgressDeadlineExceeded']);
    assert.deepEqual(summary(status).Ready, ['False', 'ProgressDeadlineExceeded']);
  });

  it('ignores a Progressing condition that is not a deadline', () => {
    const progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' };
    const status = observe(model(), { deployment: deployment({ conditions: [progressing] }) });
    assert.deepEqual(summary(status).Degraded, ['False', 'AsExpected']);
    assert.deepEqual(summary(status).Ready, ['True', 'Ready']);
  });

  it('is Degraded and not Ready with the first problem as reason and every message joined', () => {
    const problems = [
      { reason: 'ModelUnreachable', message: 'https://models.example.com/imdb.onnx: 404' },
      { reason: 'ApplyFailed', message: 'Service rejected: port in use' },
    ];
    const status = observe(model(), { problems });
    const joined = 'https://models.example.com/imdb.onnx: 404; Service rejected: port in use';
    assert.deepEqual(summary(status).Degraded, ['True', 'ModelUnreachable']);
    assert.equal(condition(status, 'Degraded').message, joined);
    assert.deepEqual(summary(status).Ready, ['False', 'ModelUnreachable']);
    assert.equal(condition(status, 'Ready').message, joined);
    assert.deepEqual(summary(status).Available, ['True', 'MinimumReplicasAvailable'], 'old pods still serve');
  });

  it('does not claim the current generation when the children were not applied', () => {
    const sm = model({}, { observedGeneration: 2 });
    const status = observe(sm, { applied: false });
    assert.equal(status.observedGeneration, 2);
    assert.deepEqual(summary(status).Ready, ['False', 'Reconciling']);
    assert.deepEqual(summary(status).Progressing, ['True', 'Reconciling']);
    assert.equal(observe(model(), { applied: false }).observedGeneration, undefined);
  });

  it('appends notes to the Ready message, ready or not', () => {
    const notes = [
      'ServiceMonitor not created: the cluster does not serve monitoring.coreos.com/v1',
      'second note',
    ];
    const ready = observe(model(), { notes });
    assert.equal(
      condition(ready, 'Ready').message,
      `2/2 replicas ready, 2 updated, 2 available; ${notes[0]}; second note`,
    );
    assert.deepEqual(summary(ready).Degraded, ['False', 'AsExpected'], 'a note degraded the model');
    const missing = observe(model(), { notes, deployment: undefined });
    assert.equal(
      condition(missing, 'Ready').message,
      `the Deployment does not exist yet; ${notes[0]}; second note`,
    );
  });

  it('keeps lastTransitionTime while a condition keeps its status and moves it when the status changes', () => {
    const first = observe(model(), { now: T0 });
    const again = observe(model({}, first), { now: T1 });
    for (const c of again.conditions ?? []) assert.equal(c.lastTransitionTime, rfc3339(T0), c.type);
    assert.ok(sameStatus(first, again), 'an unchanged world changed the status');

    const rolling = observe(model({}, first), { now: T1, deployment: deployment({ updated: 1 }) });
    assert.equal(condition(rolling, 'Ready').lastTransitionTime, rfc3339(T1));
    assert.equal(condition(rolling, 'Progressing').lastTransitionTime, rfc3339(T1));
    assert.equal(condition(rolling, 'Available').lastTransitionTime, rfc3339(T0));
    assert.equal(sameStatus(first, rolling), false);
  });

  it('reports drift evaluation as disabled when spec.drift.enabled is false', () => {
    const status = observe(model({ drift: { enabled: false } }));
    assert.deepEqual(summary(status).DriftDetected, ['False', 'DriftDisabled']);
  });

  it('keeps a DriftDetected condition the drift evaluator wrote', () => {
    const evaluated: Condition = {
      type: 'DriftDetected',
      status: 'True',
      observedGeneration: 2,
      lastTransitionTime: '2026-02-28T08:00:00Z',
      reason: 'DriftCritical',
      message: 'score 0.31 over 10m',
    };
    const status = observe(model({}, { conditions: [evaluated] }));
    assert.deepEqual(condition(status, 'DriftDetected'), evaluated);
  });

  it('stops reporting drift as disabled once it is enabled again', () => {
    const disabled = observe(model({ drift: { enabled: false } }), { now: T0 });
    const enabled = observe(model({}, disabled), { now: T1 });
    assert.deepEqual(summary(enabled).DriftDetected, ['Unknown', 'NotEvaluated']);
    assert.equal(condition(enabled, 'DriftDetected').lastTransitionTime, rfc3339(T1));
  });

  it('keeps status.drift, which the drift evaluator owns', () => {
    const drift = { status: 'Warning' as const, score: 0.14, samples: 812, window: '10m' };
    assert.deepEqual(observe(model({}, { drift })).drift, drift);
    assert.equal('drift' in observe(model()), false);
  });

  it('reports the model version and checksum of the spec', () => {
    const sha256 = 'ab'.repeat(32);
    const status = observe(model({ model: { uri: 'file:///models/imdb.onnx', version: '2026.03', sha256 } }));
    assert.equal(status.modelVersion, '2026.03');
    assert.equal(status.modelSha256, sha256);
  });
});

describe('setCondition', () => {
  const ready: Condition = {
    type: 'Ready',
    status: 'False',
    observedGeneration: 1,
    lastTransitionTime: rfc3339(T0),
    reason: 'ReplicasNotReady',
    message: '0/1',
  };
  const degraded: Condition = {
    ...ready,
    type: 'Degraded',
    reason: 'AsExpected',
    message: 'no problem found',
  };

  it('keeps lastTransitionTime but takes the new reason, message and generation when the status is the same', () => {
    const [next] = setCondition(
      [ready],
      { type: 'Ready', status: 'False', reason: 'RolloutPending', message: 'x' },
      2,
      T1,
    );
    assert.deepEqual(next, { ...ready, observedGeneration: 2, reason: 'RolloutPending', message: 'x' });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const [next] = setCondition(
      [ready],
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
      1,
      T1,
    );
    assert.equal(next.lastTransitionTime, rfc3339(T1));
  });

  it('leaves other conditions alone and does not mutate its input', () => {
    const before = structuredClone([degraded, ready]);
    const next = setCondition(
      before,
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
      1,
      T1,
    );
    assert.deepEqual(before, [degraded, ready]);
    assert.equal(next.length, 2);
    assert.deepEqual(
      next.find((c) => c.type === 'Degraded'),
      degraded,
    );
  });

  it('omits observedGeneration when the generation is unknown', () => {
    const [next] = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
      undefined,
      T1,
    );
    assert.equal('observedGeneration' in next, false);
    assert.equal(next.lastTransitionTime, '2026-03-01T12:05:30Z');
  });
});

describe('sameStatus', () => {
  const base = (): SentimentModelStatus => observe(model());

  it('ignores the order of conditions', () => {
    const reordered = base();
    reordered.conditions = [...reordered.conditions!].reverse();
    assert.ok(sameStatus(base(), reordered));
  });

  it('ignores fields that are undefined', () => {
    const b = base();
    assert.equal(b.modelSha256, undefined, 'fixture: the basic sample gives no sha256');
    const withUndefined: SentimentModelStatus = { ...b, modelSha256: undefined, drift: undefined };
    assert.ok(sameStatus(base(), withUndefined));
    assert.ok(sameStatus(undefined, {}));
  });

  it('detects a changed condition message', () => {
    const changed = base();
    changed.conditions = changed.conditions!.map((c) =>
      c.type === 'Ready' ? { ...c, message: 'other' } : c,
    );
    assert.equal(sameStatus(base(), changed), false);
  });

  it('detects changed and missing fields', () => {
    assert.equal(sameStatus(base(), { ...base(), readyReplicas: 1 }), false);
    assert.equal(sameStatus(undefined, base()), false);
    const withoutUrl = base();
    delete withoutUrl.url;
    assert.equal(sameStatus(base(), withoutUrl), false);
  });
});

describe('selectorString', () => {
  it('is the label selector of the model pods, as kubectl and the scale subresource take it', () => {
    assert.equal(
      selectorString('imdb'),
      'app.kubernetes.io/instance=imdb,app.kubernetes.io/name=sentiment-model-server',
    );
  });
});
