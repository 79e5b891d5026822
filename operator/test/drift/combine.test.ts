import { strict as assert } from 'node:assert';
import type { DriftSignal } from '@sentiment-operator/contract';
import type { DriftSignalStatus, SignalState } from '../../src/api/types';
import type { Assessment, SignalAssessment } from '../../src/drift/assess';
import type { DriftState } from '../../src/drift/classify';
import {
  alarmChanges,
  combine,
  describeSignal,
  overallMessage,
  resumedStates,
  sameSignalStates,
  worstState,
} from '../../src/drift/combine';

/** One signal's observation as assess.ts makes it; `floor` 0.05, 1000 observations. */
function observed(
  signal: DriftSignal,
  status: SignalState,
  score?: number,
  over: Partial<SignalAssessment> = {},
): SignalAssessment {
  const positive = signal === 'positiveRate';
  return {
    signal,
    status,
    message: `${signal} was ${status}`,
    score,
    samples: 1000,
    floor: 0.05,
    warningThreshold: 0.1,
    criticalThreshold: positive ? 0.2 : 0.25,
    ...over,
  };
}

const assessment = (...signals: SignalAssessment[]): Assessment => ({
  signals,
  samples: Math.max(0, ...signals.map((s) => s.samples)),
});

const healthy = (): SignalAssessment[] => [
  observed('confidence', 'Healthy', 0.03),
  observed('inputTokens', 'Healthy', 0.02),
  observed('unknownTokens', 'Healthy', 0.01),
  observed('positiveRate', 'Healthy', 0.04),
];

const confirmed = (entries: [DriftSignal, SignalState][]): Map<DriftSignal, DriftState> =>
  new Map(entries.map(([signal, status]) => [signal, { status }]));

const ALL_HEALTHY = confirmed([
  ['confidence', 'Healthy'],
  ['inputTokens', 'Healthy'],
  ['unknownTokens', 'Healthy'],
  ['positiveRate', 'Healthy'],
]);

/** The same observations `times` times from `start`; the last step. */
function repeat(a: Assessment, start: Map<DriftSignal, DriftState>, times: number) {
  let states = start;
  let step = combine(a, states);
  for (let i = 1; i < times; i++) {
    states = step.states;
    step = combine(a, states);
  }
  return step;
}

describe('the combination of drift signals', () => {
  describe('worstState', () => {
    it('ranks Drifted over Warning over Unknown over InsufficientData over Healthy', () => {
      assert.equal(worstState(['Healthy', 'Drifted', 'Warning']), 'Drifted');
      assert.equal(worstState(['Healthy', 'Warning', 'Unknown']), 'Warning');
      assert.equal(worstState(['Healthy', 'InsufficientData', 'Unknown']), 'Unknown');
      assert.equal(worstState(['Healthy', 'InsufficientData']), 'InsufficientData');
      assert.equal(worstState(['Healthy', 'Healthy']), 'Healthy');
    });

    it('does not count NoBaseline, and is Unknown when no signal counts', () => {
      assert.equal(worstState(['NoBaseline', 'Healthy']), 'Healthy');
      assert.equal(worstState(['NoBaseline', 'NoBaseline']), 'Unknown');
      assert.equal(worstState([]), 'Unknown');
    });
  });

  it('is Healthy when every signal is, with the highest PSI as the score and each signal listed', () => {
    const step = combine(assessment(...healthy()), ALL_HEALTHY);
    assert.equal(step.status, 'Healthy');
    assert.equal(step.score, 0.03, 'the positive-rate shift (0.04) is not on the PSI scale');
    assert.deepEqual(
      step.signals.map((s) => [s.name, s.state, s.score, s.warningThreshold, s.criticalThreshold]),
      [
        ['confidence', 'Healthy', 0.03, 0.1, 0.25],
        ['inputTokens', 'Healthy', 0.02, 0.1, 0.25],
        ['unknownTokens', 'Healthy', 0.01, 0.1, 0.25],
        ['positiveRate', 'Healthy', 0.04, 0.1, 0.2],
      ],
    );
    assert.equal(
      step.message,
      'every signal is below its warning threshold: confidence PSI 0.0300 (warning at 0.1), text length PSI 0.0200 (warning at 0.1), unknown-token share PSI 0.0100 (warning at 0.1), positive rate shift 0.0400 (warning at 0.1)',
    );
  });

  it('names the signal that moved and what it means, and needs two evaluations to report it', () => {
    const moved = assessment(
      observed('confidence', 'Healthy', 0.03),
      observed('inputTokens', 'Healthy', 0.02),
      observed('unknownTokens', 'Drifted', 0.41),
      observed('positiveRate', 'Healthy', 0.04),
    );
    const first = combine(moved, ALL_HEALTHY);
    assert.equal(first.status, 'Healthy');
    assert.equal(first.observed, 'Drifted');
    assert.equal(
      first.message,
      'unknown-token share PSI 0.4100 (drift at 0.25): inputs use words the model has not seen; ' +
        'other signals: confidence PSI 0.0300 (warning at 0.1), text length PSI 0.0200 (warning at 0.1), positive rate shift 0.0400 (warning at 0.1); ' +
        'the status stays Healthy until the next evaluation agrees',
    );
    assert.equal(first.signals[2].state, 'Healthy');
    assert.match(first.signals[2].message ?? '', /the state stays Healthy until the next evaluation agrees$/);
    const second = combine(moved, first.states);
    assert.equal(second.status, 'Drifted');
    assert.equal(second.score, 0.41);
    assert.equal(second.signals[2].state, 'Drifted');
    assert.equal(second.signals[2].message, 'unknownTokens was Drifted');
    assert.match(
      second.message,
      /^unknown-token share PSI 0\.4100 \(drift at 0\.25\): inputs use words the model has not seen; other signals: /,
    );
  });

  it('reports the worst confirmed state, the alarms first and Drifted before Warning', () => {
    const step = repeat(
      assessment(
        observed('confidence', 'Warning', 0.15),
        observed('inputTokens', 'Drifted', 0.9),
        observed('unknownTokens', 'Healthy', 0.01),
        observed('positiveRate', 'Warning', 0.12),
      ),
      ALL_HEALTHY,
      2,
    );
    assert.equal(step.status, 'Drifted');
    assert.equal(
      step.message,
      'text length PSI 0.9000 (drift at 0.25): texts are longer or shorter than the model was trained on; ' +
        'confidence PSI 0.1500 (warning at 0.1): the model is less sure of its predictions than on its validation data; ' +
        'positive rate shift 0.1200 (warning at 0.1): the model predicts positive more or less often than on its validation data; ' +
        'other signals: unknown-token share PSI 0.0100 (warning at 0.1)',
    );
  });

  it('says when a threshold in force is the noise floor', () => {
    const lifted = observed('confidence', 'Warning', 0.4, { floor: 0.3251, samples: 100 });
    assert.equal(
      describeSignal(lifted),
      'confidence PSI 0.4000 (warning at 0.3251, the noise floor for n=100): the model is less sure of its predictions than on its validation data',
    );
  });

  it('judges by the positive-rate shift too, without putting it in the PSI score', () => {
    const step = repeat(
      assessment(observed('confidence', 'Healthy', 0.02), observed('positiveRate', 'Drifted', 0.3)),
      ALL_HEALTHY,
      2,
    );
    assert.equal(step.status, 'Drifted');
    assert.equal(step.score, 0.02);
    assert.match(step.message, /^positive rate shift 0\.3000 \(drift at 0\.2\): the model predicts positive/);
  });

  it('lists a signal without a baseline as NoBaseline and leaves the status to the others', () => {
    const step = repeat(
      assessment(
        observed('confidence', 'Healthy', 0.03),
        observed('inputTokens', 'NoBaseline'),
        observed('unknownTokens', 'NoBaseline'),
        observed('positiveRate', 'Healthy', 0.01),
      ),
      new Map(),
      1,
    );
    assert.equal(step.status, 'Healthy');
    assert.deepEqual(
      step.signals.map((s) => s.state),
      ['Healthy', 'NoBaseline', 'NoBaseline', 'Healthy'],
    );
    assert.match(step.message, /; no baseline in the model file for text length, unknown-token share$/);
  });

  it('is Unknown, saying so, when no enabled signal has a baseline (a model without one, as before)', () => {
    const step = combine(
      assessment(observed('confidence', 'NoBaseline'), observed('positiveRate', 'NoBaseline')),
      new Map(),
    );
    assert.equal(step.status, 'Unknown');
    assert.equal(step.score, undefined);
    assert.equal(
      step.message,
      'the model carries no baseline for any enabled signal (confidence, positive rate): Prometheus has no sentiment_baseline_ratio or sentiment_baseline_positive_rate series for it',
    );
  });

  it('evaluates only the enabled signals and forgets the state of one that was disabled', () => {
    const step = combine(
      assessment(observed('inputTokens', 'Healthy', 0.02), observed('positiveRate', 'Healthy', 0.01)),
      confirmed([
        ['confidence', 'Drifted'],
        ['inputTokens', 'Healthy'],
        ['positiveRate', 'Healthy'],
      ]),
    );
    assert.equal(step.status, 'Healthy', 'a disabled signal no longer decides anything');
    assert.deepEqual([...step.states.keys()], ['inputTokens', 'positiveRate']);
    assert.deepEqual(
      step.signals.map((s) => s.name),
      ['inputTokens', 'positiveRate'],
    );
    assert.equal(overallMessage([]), 'every drift signal is disabled in spec.drift.signals');
  });

  it('gives the message of a failed query once, not once per signal', () => {
    const error = 'Prometheus at http://p:9090 is unreachable: ECONNREFUSED';
    const failed = assessment(
      ...['confidence', 'inputTokens', 'unknownTokens', 'positiveRate'].map((s) =>
        observed(s as DriftSignal, 'Unknown', undefined, { message: error, samples: 0, floor: Infinity }),
      ),
    );
    const once = combine(failed, ALL_HEALTHY);
    assert.equal(once.status, 'Healthy', 'one failed evaluation changes nothing');
    assert.equal(once.message, `${error}; the status stays Healthy until the next evaluation agrees`);
    const twice = combine(failed, once.states);
    assert.equal(twice.status, 'Unknown');
    assert.equal(twice.message, error);
  });

  it('says InsufficientData once when every signal counted too few predictions', () => {
    const few = (s: DriftSignal) =>
      observed(s, 'InsufficientData', 0.3, {
        message: '120 predictions in the window, fewer than minSamples 500',
      });
    const step = combine(assessment(few('confidence'), few('inputTokens'), few('positiveRate')), new Map());
    assert.equal(step.status, 'InsufficientData');
    assert.equal(step.message, '120 predictions in the window, fewer than minSamples 500');
  });

  it('holds a first alarm as Unknown, as it always has for confidence', () => {
    const a = assessment(observed('confidence', 'Drifted', 0.6), observed('positiveRate', 'Healthy', 0.01));
    const first = combine(a, new Map());
    assert.equal(first.status, 'Unknown');
    assert.match(first.message, /the status stays Unknown until the next evaluation agrees$/);
    assert.equal(combine(a, first.states).status, 'Drifted');
  });

  it('keeps the hysteresis of each signal apart: two signals alarming once each raise nothing', () => {
    const one = combine(
      assessment(observed('confidence', 'Warning', 0.15), observed('inputTokens', 'Healthy', 0.02)),
      ALL_HEALTHY,
    );
    const other = combine(
      assessment(observed('confidence', 'Healthy', 0.05), observed('inputTokens', 'Warning', 0.15)),
      one.states,
    );
    assert.equal(other.status, 'Healthy');
  });

  describe('resuming after a restart', () => {
    it('takes each signal from status.drift.signals', () => {
      const states = resumedStates({
        status: 'Drifted',
        signals: [
          { name: 'confidence', state: 'Healthy', warningThreshold: 0.1, criticalThreshold: 0.25 },
          { name: 'unknownTokens', state: 'Drifted', warningThreshold: 0.1, criticalThreshold: 0.25 },
        ],
      });
      assert.deepEqual(
        [...states],
        [
          ['confidence', { status: 'Healthy' }],
          ['unknownTokens', { status: 'Drifted' }],
        ],
      );
    });

    it('reads a status written before there were signals as the confidence signal', () => {
      assert.deepEqual([...resumedStates({ status: 'Warning' })], [['confidence', { status: 'Warning' }]]);
      assert.equal(resumedStates(undefined).size, 0);
    });
  });

  describe('what an Event names while the status stays', () => {
    const entry = (name: DriftSignal, state: SignalState): DriftSignalStatus => ({
      name,
      state,
      warningThreshold: 0.1,
      criticalThreshold: 0.25,
    });

    it('lists the signals that entered, left or changed an alarm', () => {
      const before = [
        entry('confidence', 'Drifted'),
        entry('inputTokens', 'Healthy'),
        entry('unknownTokens', 'Warning'),
      ];
      const after = [
        entry('confidence', 'Drifted'),
        entry('inputTokens', 'Drifted'),
        entry('unknownTokens', 'Healthy'),
      ];
      assert.deepEqual(
        alarmChanges(before, after).map(({ signal, from }) => [signal.name, from, signal.state]),
        [
          ['inputTokens', 'Healthy', 'Drifted'],
          ['unknownTokens', 'Warning', 'Healthy'],
        ],
      );
    });

    it('ignores changes that are not about an alarm', () => {
      assert.deepEqual(
        alarmChanges([entry('confidence', 'Healthy')], [entry('confidence', 'InsufficientData')]),
        [],
      );
      assert.deepEqual(alarmChanges(undefined, [entry('confidence', 'Healthy')]), []);
      assert.equal(alarmChanges(undefined, [entry('positiveRate', 'Warning')]).length, 1);
    });

    it('compares signal lists by state and thresholds, not by score', () => {
      const a = [{ ...entry('confidence', 'Healthy'), score: 0.01 }];
      assert.ok(sameSignalStates(a, [{ ...entry('confidence', 'Healthy'), score: 0.09 }]));
      assert.ok(!sameSignalStates(a, [entry('confidence', 'Warning')]));
      assert.ok(!sameSignalStates(a, [{ ...entry('confidence', 'Healthy'), criticalThreshold: 0.3 }]));
      assert.ok(!sameSignalStates(a, undefined));
    });
  });
});
