import { strict as assert } from 'node:assert';
import type { SignalState } from '../../src/api/types';
import { ClassifyInput, DriftState, classify, nextState } from '../../src/drift/classify';

const input = (over: Partial<ClassifyInput>): ClassifyInput => ({
  score: 0.01,
  n: 1000,
  minSamples: 500,
  warning: 0.1,
  critical: 0.25,
  floor: 0.04,
  hasBaseline: true,
  ...over,
});

/** Feeds observations through the hysteresis from `start`; returns the reported status after each. */
function run(start: DriftState | undefined, observed: SignalState[]): SignalState[] {
  let state = start;
  return observed.map((o) => {
    const next = nextState(state, o);
    state = next;
    return next.status;
  });
}

describe('drift classification', () => {
  it('is Healthy below the warning threshold, Warning up to the critical one, Drifted above it', () => {
    assert.equal(classify(input({ score: 0.0999 })).status, 'Healthy');
    assert.equal(classify(input({ score: 0.1 })).status, 'Warning');
    assert.equal(classify(input({ score: 0.25 })).status, 'Warning');
    assert.equal(classify(input({ score: 0.2501 })).status, 'Drifted');
  });

  it('says why, with the score and the threshold', () => {
    assert.equal(
      classify(input({ score: 0.3 })).message,
      'PSI 0.3000 is above the critical threshold 0.2500',
    );
    assert.match(
      classify(input({ score: 0.05 })).message,
      /PSI 0\.0500 is below the warning threshold 0\.1000/,
    );
  });

  it('is InsufficientData below minSamples, whatever the score', () => {
    const o = classify(input({ n: 499, score: 3 }));
    assert.equal(o.status, 'InsufficientData');
    assert.equal(o.message, '499 predictions in the window, fewer than minSamples 500');
    assert.equal(classify(input({ n: 500, score: 0.01 })).status, 'Healthy');
  });

  it('is NoBaseline without a baseline, naming the series, and Unknown without a score', () => {
    const o = classify(
      input({ hasBaseline: false, n: 0, baselineSeries: 'sentiment_baseline_positive_rate' }),
    );
    assert.equal(o.status, 'NoBaseline');
    assert.equal(
      o.message,
      'the model carries no baseline for this signal (sentiment_baseline_positive_rate is absent)',
    );
    assert.equal(classify(input({ score: undefined })).status, 'Unknown');
    assert.equal(classify(input({ score: NaN })).status, 'Unknown');
  });

  it('names the score as told: the positive-rate signal says shift', () => {
    assert.equal(
      classify(input({ score: 0.25, scoreName: 'shift', warning: 0.1, critical: 0.2 })).message,
      'shift 0.2500 is above the critical threshold 0.2000',
    );
  });

  it('lifts thresholds that lie below the noise floor to it', () => {
    const small = { n: 100, minSamples: 100, floor: 0.33 };
    assert.equal(classify(input({ ...small, score: 0.3 })).status, 'Healthy');
    assert.match(
      classify(input({ ...small, score: 0.3 })).message,
      /lifted to the noise floor 0\.3300 for n=100/,
    );
    assert.equal(classify(input({ ...small, score: 0.33 })).status, 'Warning');
    assert.equal(classify(input({ ...small, score: 0.34 })).status, 'Drifted');
    // a floor below the thresholds changes nothing
    assert.equal(classify(input({ score: 0.11, floor: 0.05 })).status, 'Warning');
    assert.doesNotMatch(classify(input({ score: 0.11, floor: 0.05 })).message, /lifted/);
  });
});

describe('drift hysteresis', () => {
  it('needs two consecutive evaluations to change the status', () => {
    const first = nextState({ status: 'Healthy' }, 'Drifted');
    assert.deepEqual(first, { status: 'Healthy', pending: 'Drifted', pendingCount: 1, transitioned: false });
    const second = nextState(first, 'Drifted');
    assert.deepEqual(second, { status: 'Drifted', transitioned: true });
  });

  it('ignores a single odd evaluation and forgets it', () => {
    assert.deepEqual(run({ status: 'Healthy' }, ['Drifted', 'Healthy', 'Drifted', 'Healthy']), [
      'Healthy',
      'Healthy',
      'Healthy',
      'Healthy',
    ]);
    assert.deepEqual(nextState({ status: 'Healthy', pending: 'Drifted', pendingCount: 1 }, 'Healthy'), {
      status: 'Healthy',
      transitioned: false,
    });
  });

  it('leaves Healthy when PSI straddles the critical threshold: Drifted then Warning agree on Warning', () => {
    assert.deepEqual(run({ status: 'Healthy' }, ['Drifted', 'Warning', 'Drifted', 'Drifted']), [
      'Healthy',
      'Warning',
      'Warning',
      'Drifted',
    ]);
    assert.deepEqual(run({ status: 'Drifted' }, ['Healthy', 'Warning']), ['Drifted', 'Warning']);
  });

  it('does not let two observations on either side of the status agree', () => {
    assert.deepEqual(run({ status: 'Warning' }, ['Drifted', 'Healthy', 'Drifted', 'Healthy']), [
      'Warning',
      'Warning',
      'Warning',
      'Warning',
    ]);
    assert.deepEqual(run({ status: 'Healthy' }, ['Unknown', 'Drifted', 'InsufficientData', 'Warning']), [
      'Healthy',
      'Healthy',
      'Healthy',
      'Healthy',
    ]);
  });

  it('sets a first non-alarm status at once', () => {
    for (const s of ['Healthy', 'InsufficientData', 'Unknown', 'NoBaseline'] as const)
      assert.deepEqual(nextState(undefined, s), { status: s, transitioned: true });
    assert.deepEqual(nextState({}, 'InsufficientData'), { status: 'InsufficientData', transitioned: true });
  });

  it('holds a first alarm as Unknown until the next evaluation confirms it', () => {
    assert.deepEqual(nextState(undefined, 'Drifted'), {
      status: 'Unknown',
      pending: 'Drifted',
      pendingCount: 1,
      transitioned: true,
    });
    assert.deepEqual(run(undefined, ['Drifted', 'Drifted']), ['Unknown', 'Drifted']);
    assert.deepEqual(run(undefined, ['Drifted', 'Warning']), ['Unknown', 'Warning']);
    assert.deepEqual(run(undefined, ['Warning', 'Healthy', 'Healthy']), ['Unknown', 'Unknown', 'Healthy']);
  });

  it('keeps a Drifted model Drifted through one failed query, Unknown after two', () => {
    assert.deepEqual(run({ status: 'Drifted' }, ['Unknown', 'Drifted', 'Unknown', 'Unknown']), [
      'Drifted',
      'Drifted',
      'Drifted',
      'Unknown',
    ]);
    // and recovery needs two good evaluations as well
    assert.deepEqual(run({ status: 'Unknown' }, ['Healthy', 'Unknown', 'Healthy', 'Healthy']), [
      'Unknown',
      'Unknown',
      'Unknown',
      'Healthy',
    ]);
  });

  it('treats NoBaseline as a statement about the evidence: two evaluations to enter or leave it', () => {
    assert.deepEqual(run({ status: 'Healthy' }, ['NoBaseline', 'NoBaseline']), ['Healthy', 'NoBaseline']);
    assert.deepEqual(run({ status: 'NoBaseline' }, ['Warning', 'Drifted', 'Drifted']), [
      'NoBaseline',
      'Warning',
      'Warning',
    ]);
  });

  it('reports a transition only when the reported status changes', () => {
    const seen = ['Healthy', 'Drifted', 'Drifted', 'Drifted', 'Healthy', 'Healthy'] as const;
    let state: DriftState | undefined;
    const transitions = seen.map((o) => {
      const next = nextState(state, o);
      state = next;
      return next.transitioned;
    });
    assert.deepEqual(transitions, [true, false, true, false, false, true]);
  });
});
