// Scenarios of one reconcile against a fake of the reconciler's own port (test/support/fake-kube.ts):
// each starts from a world, runs Reconciler.reconcile and asserts what was written and what the status
// says. The error policy that decides the retry of a failed reconcile is tested alongside.
import { strict as assert } from 'node:assert';
import winston from 'winston';
import type { DriftSignal } from '@sentiment-operator/contract';
import type { SentimentModel, SignalState } from '../../src/api/types';
import { operatorConfig } from '../../src/config';
import { DEPLOYMENT, SERVICE, type KubeObject } from '../../src/controller/children';
import { APPLIED_HASH_ANNOTATION } from '../../src/controller/diff';
import { errorPolicy } from '../../src/controller/error-policy';
import { EventRecorder } from '../../src/controller/events';
import { CapabilityCache, PROBLEM_RECHECK_MS, Reconciler } from '../../src/controller/reconciler';
import type { SignalAssessment } from '../../src/drift/assess';
import type { DriftState } from '../../src/drift/classify';
import { combine } from '../../src/drift/combine';
import { driftCondition, type DriftEvaluator, type DriftReport } from '../../src/drift/evaluator';
import { FakeKube, apiError } from '../support/fake-kube';
import { basicModel } from './basic-sample';

const silent = winston.createLogger({ silent: true });

function reconcilerFor(kube: FakeKube): Reconciler {
  return new Reconciler(
    kube,
    operatorConfig(),
    new CapabilityCache(kube),
    new EventRecorder(kube, silent, 'test'),
    silent,
  );
}

/** A world holding one model (`overrides` on the basic sample's spec), and a reconciler for it. */
function world(overrides: Record<string, unknown> = {}): {
  kube: FakeKube;
  sm: SentimentModel;
  reconcile: () => ReturnType<Reconciler['reconcile']>;
} {
  const kube = new FakeKube();
  const sm = kube.addModel(basicModel(overrides));
  const reconciler = reconcilerFor(kube);
  return { kube, sm, reconcile: () => reconciler.reconcile(sm.metadata.namespace, sm.metadata.name) };
}

const applied = (kube: FakeKube): string[] =>
  kube.calls.filter((c) => c.verb === 'apply').map((c) => c.resource);

function condition(
  sm: SentimentModel | undefined,
  type: string,
): { status: string; reason: string } | undefined {
  return sm?.status?.conditions?.find((c) => c.type === type);
}

describe('Reconciler.reconcile scenarios', () => {
  it('creates every child from nothing, records one Event and writes the status once', async () => {
    const { kube, sm, reconcile } = world();
    const result = await reconcile();
    assert.deepEqual(result, {});
    assert.deepEqual(applied(kube), [
      'deployments',
      'services',
      'horizontalpodautoscalers',
      'servicemonitors',
      'prometheusrules',
    ]);
    assert.equal(kube.calls.filter((c) => c.verb === 'updateStatus').length, 1);
    assert.deepEqual(
      kube.events.map((e) => e.reason),
      ['ChildrenApplied'],
    );
    const stored = kube.model(sm.metadata.namespace, sm.metadata.name);
    assert.equal(condition(stored, 'Ready')?.status, 'False', 'the Deployment has no ready pod yet');
    assert.equal(condition(stored, 'Degraded')?.status, 'False');
  });

  it('writes nothing at all when the world has not changed since the last reconcile', async () => {
    const { kube, reconcile } = world();
    await reconcile();
    const before = kube.writes().length;
    await reconcile();
    assert.deepEqual(kube.writes().slice(before), []);
  });

  it('restores a child edited by hand, and only that child', async () => {
    const { kube, sm, reconcile } = world();
    await reconcile();
    const service = kube.object(SERVICE, sm.metadata.namespace, sm.metadata.name)!;
    const spec = service.spec as { type?: string };
    spec.type = 'NodePort'; // the hash annotation stays: only the subset check can see this
    const before = kube.calls.length;
    await reconcile();
    const writes = kube.calls.slice(before).filter((c) => c.verb === 'apply');
    assert.deepEqual(
      writes.map((c) => c.resource),
      ['services'],
    );
    assert.equal(
      (kube.object(SERVICE, sm.metadata.namespace, sm.metadata.name)!.spec as { type: string }).type,
      'ClusterIP',
    );
    assert.match(kube.events.at(-1)?.message ?? '', /restored Service/);
  });

  it('leaves a child controlled by someone else alone and reports ChildConflict', async () => {
    const { kube, sm, reconcile } = world();
    kube.put(DEPLOYMENT, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: sm.metadata.name, namespace: sm.metadata.namespace, labels: { app: 'theirs' } },
      spec: { replicas: 3 },
    });
    const result = await reconcile();
    assert.ok(!applied(kube).includes('deployments'), 'no apply over a foreign Deployment');
    const deployment = kube.object(DEPLOYMENT, sm.metadata.namespace, sm.metadata.name)!;
    assert.deepEqual(deployment.spec, { replicas: 3 });
    const stored = kube.model(sm.metadata.namespace, sm.metadata.name);
    assert.equal(condition(stored, 'Degraded')?.status, 'True');
    assert.equal(condition(stored, 'Degraded')?.reason, 'ChildConflict');
    assert.equal(result.requeueAfterMs, PROBLEM_RECHECK_MS);
  });

  it('reports ApplyFailed when the API server rejects a new child with 422', async () => {
    const { kube, sm, reconcile } = world();
    kube.failNext('apply', apiError(422, 'spec.ports: Invalid value'), 'services');
    const result = await reconcile();
    assert.equal(kube.object(SERVICE, sm.metadata.namespace, sm.metadata.name), undefined);
    const stored = kube.model(sm.metadata.namespace, sm.metadata.name);
    assert.equal(condition(stored, 'Degraded')?.reason, 'ApplyFailed');
    assert.equal(result.requeueAfterMs, PROBLEM_RECHECK_MS);
    assert.ok(kube.events.some((e) => e.reason === 'ApplyFailed'));
  });

  it('writes a drifted child back whole when its apply is rejected with 422', async () => {
    const { kube, sm, reconcile } = world();
    await reconcile();
    const service = kube.object(SERVICE, sm.metadata.namespace, sm.metadata.name)!;
    (service.spec as { type?: string }).type = 'NodePort';
    kube.failNext('apply', apiError(422, 'duplicate port name'), 'services');
    await reconcile();
    const replaced = kube.calls.filter((c) => c.verb === 'replace');
    assert.deepEqual(
      replaced.map((c) => c.resource),
      ['services'],
    );
    const stored = kube.model(sm.metadata.namespace, sm.metadata.name);
    assert.equal(condition(stored, 'Degraded')?.status, 'False');
  });

  it('carries the replica count the HPA chose into the Deployment it applies', async () => {
    const { kube, sm, reconcile } = world();
    await reconcile();
    const deployment = kube.object(DEPLOYMENT, sm.metadata.namespace, sm.metadata.name)!;
    (deployment.spec as { replicas: number }).replicas = 4; // the HPA scaled it
    delete deployment.metadata!.annotations![APPLIED_HASH_ANNOTATION]; // and the spec changed meanwhile
    const before = kube.calls.length;
    await reconcile();
    const apply = kube.calls.slice(before).find((c) => c.verb === 'apply' && c.resource === 'deployments');
    assert.ok(apply, 'the Deployment was applied again');
    assert.equal((apply.body as KubeObject & { spec: { replicas: number } }).spec.replicas, 4);
    assert.equal(
      (kube.object(DEPLOYMENT, sm.metadata.namespace, sm.metadata.name)!.spec as { replicas: number })
        .replicas,
      4,
    );
  });

  it('reports a missing PersistentVolumeClaim as Degraded and looks again in 30 s', async () => {
    const { kube, sm, reconcile } = world({ model: { uri: 'pvc://models/imdb.onnx' } });
    const result = await reconcile();
    assert.equal(result.requeueAfterMs, PROBLEM_RECHECK_MS);
    const stored = kube.model(sm.metadata.namespace, sm.metadata.name);
    assert.equal(condition(stored, 'Degraded')?.reason, 'ModelClaimNotFound');
    kube.pvcs.add(`${sm.metadata.namespace}/models`);
    assert.deepEqual(await reconcile(), {}, 'the claim exists now');
    assert.equal(condition(kube.model(sm.metadata.namespace, sm.metadata.name), 'Degraded')?.status, 'False');
  });

  it('says the model download failed when the pods show it', async () => {
    const { kube, sm, reconcile } = world();
    const { namespace, name } = sm.metadata;
    kube.pods.push({
      metadata: { name: `${name}-abc`, namespace, labels: { 'app.kubernetes.io/instance': name } },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'fetch-model',
            image: 'server:1',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: {
                exitCode: 1,
                message: '{"level":"error","message":"sha256 mismatch: expected ab, got cd"}',
              },
            },
          },
        ],
      },
    });
    await reconcile();
    const ready = condition(kube.model(namespace, name), 'Ready') as
      { reason: string; message: string } | undefined;
    assert.equal(ready?.reason, 'ModelFetchFailed');
    assert.match(ready?.message ?? '', /downloading the model failed \(2 restarts\): sha256 mismatch/);
    assert.equal(condition(kube.model(namespace, name), 'Degraded')?.status, 'True');
  });

  it('fails with a not_found retry when the model is deleted mid-reconcile, then does nothing', async () => {
    const { kube, reconcile } = world();
    kube.beforeCall = (call) => {
      if (call.verb === 'apply' && call.resource === 'services') kube.models.clear();
    };
    const error = await reconcile().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error, 'the status write of a deleted model fails');
    assert.equal(errorPolicy(error, 1).label, 'not_found');
    kube.beforeCall = undefined;
    const before = kube.writes().length;
    assert.deepEqual(await reconcile(), {});
    assert.deepEqual(kube.writes().slice(before), [], 'a deleted model gets no writes');
  });
});

/**
 * Drift reports as the evaluator publishes them, made by the real combination rule from the signals'
 * observations (evaluator.ts does the same after querying Prometheus).
 */
class DriftReports {
  private states = new Map<DriftSignal, DriftState>();
  current: DriftReport | undefined;

  observe(...signals: [DriftSignal, SignalState, number][]): void {
    const observed: SignalAssessment[] = signals.map(([signal, status, score]) => ({
      signal,
      status,
      score,
      message: `${signal} observed ${status}`,
      samples: 1000,
      floor: 0.05,
      warningThreshold: 0.1,
      criticalThreshold: signal === 'positiveRate' ? 0.2 : 0.25,
    }));
    const step = combine({ signals: observed, samples: 1000 }, this.states);
    this.states = step.states;
    this.current = {
      drift: { status: step.status, score: step.score, message: step.message, signals: step.signals },
      condition: driftCondition(step.status, step.message),
    };
  }

  /** What the reconciler sees of the evaluator. */
  evaluator(): DriftEvaluator {
    return {
      track: () => undefined,
      forget: () => undefined,
      report: () => this.current,
    } as unknown as DriftEvaluator;
  }
}

describe('Reconciler.reconcile drift scenarios', () => {
  function driftWorld() {
    const kube = new FakeKube();
    const sm = kube.addModel(basicModel());
    const reports = new DriftReports();
    const reconciler = new Reconciler(
      kube,
      operatorConfig(),
      new CapabilityCache(kube),
      new EventRecorder(kube, silent, 'test'),
      silent,
      reports.evaluator(),
    );
    const reconcile = () => reconciler.reconcile(sm.metadata.namespace, sm.metadata.name);
    const stored = () => kube.model(sm.metadata.namespace, sm.metadata.name);
    return { kube, reports, reconcile, stored };
  }
  const drift = (kube: FakeKube) => kube.events.filter((e) => e.reason?.startsWith('Drift'));

  it('names the signal that moved, and what it means, in the status, the condition and the Event', async () => {
    const { kube, reports, reconcile, stored } = driftWorld();
    const healthy: [DriftSignal, SignalState, number][] = [
      ['confidence', 'Healthy', 0.03],
      ['inputTokens', 'Healthy', 0.02],
      ['unknownTokens', 'Healthy', 0.01],
      ['positiveRate', 'Healthy', 0.02],
    ];
    reports.observe(...healthy);
    await reconcile();
    assert.equal(stored()?.status?.drift?.status, 'Healthy');
    assert.deepEqual(drift(kube), [], 'no Event for a first Healthy');

    const moved: [DriftSignal, SignalState, number][] = [...healthy];
    moved[2] = ['unknownTokens', 'Drifted', 0.41];
    reports.observe(...moved);
    reports.observe(...moved);
    await reconcile();
    const status = stored()?.status;
    assert.equal(status?.drift?.status, 'Drifted');
    assert.equal(status?.drift?.score, 0.41);
    assert.deepEqual(
      status?.drift?.signals?.map((s) => [s.name, s.state]),
      [
        ['confidence', 'Healthy'],
        ['inputTokens', 'Healthy'],
        ['unknownTokens', 'Drifted'],
        ['positiveRate', 'Healthy'],
      ],
    );
    const meaning =
      /^unknown-token share PSI 0\.4100 \(drift at 0\.25\): inputs use words the model has not seen; other signals: /;
    assert.match(status?.drift?.message ?? '', meaning);
    const detected = condition(stored(), 'DriftDetected');
    assert.deepEqual([detected?.status, detected?.reason], ['True', 'Drifted']);
    assert.deepEqual(
      drift(kube).map((e) => [e.type, e.reason]),
      [['Warning', 'DriftDrifted']],
    );
    assert.match(
      drift(kube)[0].message ?? '',
      /^drift status Healthy -> Drifted \(PSI 0\.4100\): unknown-token share PSI 0\.4100 \(drift at 0\.25\): inputs use words the model has not seen/,
    );
    assert.equal(stored()?.metadata.annotations?.['sentimentops.dev/drift-score'], '0.4100');
  });

  it('announces a signal that joins or leaves the alarm while the status stays Drifted', async () => {
    const { kube, reports, reconcile } = driftWorld();
    const one: [DriftSignal, SignalState, number][] = [
      ['confidence', 'Drifted', 0.5],
      ['inputTokens', 'Healthy', 0.02],
    ];
    reports.observe(...one);
    reports.observe(...one);
    await reconcile();
    const two: [DriftSignal, SignalState, number][] = [
      ['confidence', 'Drifted', 0.5],
      ['inputTokens', 'Drifted', 0.9],
    ];
    reports.observe(...two);
    reports.observe(...two);
    await reconcile();
    const changed = drift(kube).filter((e) => e.reason === 'DriftSignalChanged');
    assert.equal(changed.length, 1);
    assert.equal(changed[0].type, 'Warning');
    assert.equal(
      changed[0].message,
      'drift status stays Drifted; text length Healthy -> Drifted: inputTokens observed Drifted',
    );
    reports.observe(...one);
    reports.observe(...one);
    await reconcile();
    const back = drift(kube)
      .filter((e) => e.reason === 'DriftSignalChanged')
      .at(-1);
    assert.equal(back?.type, 'Normal');
    assert.match(back?.message ?? '', /text length Drifted -> Healthy/);
  });
});

describe('errorPolicy', () => {
  it('retries a conflict quickly, whatever the count of failures', () => {
    assert.deepEqual(errorPolicy(apiError(409), 1), { delayMs: 200, label: 'conflict' });
    assert.deepEqual(errorPolicy(apiError(409), 8), { delayMs: 200, label: 'conflict' });
  });

  it('waits at least a second after 429 Too Many Requests', () => {
    assert.deepEqual(errorPolicy(apiError(429), 1), { delayMs: 1_000, label: 'throttled' });
    assert.deepEqual(errorPolicy(apiError(429), 4), { delayMs: 4_000, label: 'throttled' });
  });

  it('backs off exponentially, up to five minutes, on server and network errors', () => {
    assert.deepEqual(errorPolicy(apiError(503), 1), { delayMs: 500, label: 'unavailable' });
    assert.deepEqual(errorPolicy(apiError(500), 3), { delayMs: 2_000, label: 'unavailable' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.deepEqual(errorPolicy(refused, 30), { delayMs: 300_000, label: 'unavailable' });
  });

  it('labels other client errors and program errors apart', () => {
    assert.equal(errorPolicy(apiError(404), 1).label, 'not_found');
    assert.equal(errorPolicy(apiError(403), 1).label, 'rejected');
    assert.equal(errorPolicy(new TypeError('x is undefined'), 1).label, 'internal');
  });
});
