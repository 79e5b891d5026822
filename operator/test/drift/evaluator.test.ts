import { strict as assert } from 'node:assert';
import type { SentimentModel } from '../../src/api/types';
import { annotationChanges } from '../../src/controller/reconciler';
import { driftCondition, significant, type DriftReport } from '../../src/drift/evaluator';
import { redactUrl } from '../../src/drift/prometheus';

const report = (status: DriftReport['drift']['status'], score?: number): DriftReport => ({
  drift: { status, score, lastEvaluated: '2026-11-23T10:00:00Z', message: 'm' },
  condition: driftCondition(status ?? 'Unknown', 'm'),
});

describe('drift evaluator, pure parts', function () {
  it('maps the drift status to the DriftDetected condition', function () {
    assert.deepEqual(driftCondition('Drifted', 'x'), { status: 'True', reason: 'Drifted', message: 'x' });
    assert.equal(driftCondition('Warning', 'x').status, 'False');
    assert.equal(driftCondition('Warning', 'x').reason, 'Warning');
    assert.equal(driftCondition('Healthy', 'x').status, 'False');
    assert.equal(driftCondition('InsufficientData', 'x').reason, 'InsufficientData');
    assert.equal(driftCondition('Unknown', 'x').status, 'Unknown');
  });

  it('publishes a new report only on a status change or a score move beyond the tolerance', function () {
    assert.ok(significant(undefined, report('Healthy', 0.02), 0.01), 'first report');
    assert.ok(!significant(report('Healthy', 0.02), report('Healthy', 0.025), 0.01), 'small move');
    assert.ok(significant(report('Healthy', 0.02), report('Healthy', 0.035), 0.01), 'large move');
    assert.ok(significant(report('Healthy', 0.02), report('Warning', 0.02), 0.01), 'status change');
    assert.ok(significant(report('Unknown'), report('Unknown', 0.5), 0.01), 'score appears');
    assert.ok(!significant(report('Unknown'), report('Unknown'), 0.01), 'still unknown');
  });

  it("publishes a report when a signal's state changes or its score moves, not on noise", function () {
    const withSignals = (
      state: 'Healthy' | 'Warning',
      unknownTokens: number | undefined,
      enabled = true,
    ): DriftReport => ({
      ...report('Healthy', 0.02),
      drift: {
        ...report('Healthy', 0.02).drift,
        signals: [
          {
            name: 'confidence',
            state: 'Healthy',
            score: 0.02,
            warningThreshold: 0.1,
            criticalThreshold: 0.25,
          },
          ...(enabled
            ? [
                {
                  name: 'unknownTokens' as const,
                  state,
                  score: unknownTokens,
                  warningThreshold: 0.1,
                  criticalThreshold: 0.25,
                },
              ]
            : []),
        ],
      },
    });
    const base = withSignals('Healthy', 0.05);
    assert.ok(!significant(base, withSignals('Healthy', 0.055), 0.01), 'small move of a signal');
    assert.ok(
      !significant(base, withSignals('Healthy', 0.074), 0.01),
      "a signal's score moves by up to a quarter of its warning threshold (0.025) without a write",
    );
    assert.ok(significant(base, withSignals('Healthy', 0.08), 0.01), 'large move of a signal');
    assert.ok(
      significant(base, withSignals('Warning', 0.05), 0.01),
      "a signal's state, the model's unchanged",
    );
    assert.ok(significant(base, withSignals('Healthy', undefined), 0.01), 'a signal loses its score');
    assert.ok(significant(base, withSignals('Healthy', 0.05, false), 0.01), 'a signal disabled');
  });

  it('keeps credentials of a Prometheus URL out of messages', function () {
    assert.equal(redactUrl('https://user:secret@prom.example:9090/'), 'https://prom.example:9090');
    assert.equal(redactUrl('not a url'), '(invalid URL)');
    assert.equal(redactUrl('https://prom.example/api?token=t0ken'), 'https://prom.example/api');
  });

  describe('annotationChanges', function () {
    const sm = (annotations?: Record<string, string>): SentimentModel =>
      ({ metadata: { name: 'm', namespace: 'n', uid: 'u', annotations } }) as unknown as SentimentModel;

    it('writes status, score with 4 decimals and evaluation time', function () {
      const patch = annotationChanges(sm(), { status: 'Drifted', score: 0.31234, lastEvaluated: 't' });
      assert.deepEqual(patch, {
        'sentimentops.dev/drift-status': 'Drifted',
        'sentimentops.dev/drift-score': '0.3123',
        'sentimentops.dev/drift-evaluated-at': 't',
      });
    });

    it('writes nothing when the annotations already match', function () {
      const current = {
        'sentimentops.dev/drift-status': 'Healthy',
        'sentimentops.dev/drift-score': '0.0300',
        'sentimentops.dev/drift-evaluated-at': 't',
        other: 'kept',
      };
      assert.equal(
        annotationChanges(sm(current), { status: 'Healthy', score: 0.03, lastEvaluated: 't' }),
        undefined,
      );
    });

    it('removes the score when there is none, and everything when drift is off', function () {
      const current = {
        'sentimentops.dev/drift-status': 'Healthy',
        'sentimentops.dev/drift-score': '0.0300',
      };
      assert.deepEqual(annotationChanges(sm(current), { status: 'Unknown', lastEvaluated: 't' }), {
        'sentimentops.dev/drift-status': 'Unknown',
        'sentimentops.dev/drift-score': null,
        'sentimentops.dev/drift-evaluated-at': 't',
      });
      assert.deepEqual(annotationChanges(sm(current), undefined), {
        'sentimentops.dev/drift-status': null,
        'sentimentops.dev/drift-score': null,
      });
    });
  });
});
