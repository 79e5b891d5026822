import { strict as assert } from 'node:assert';
import { crdYaml } from '../../src/api/crd';
import { createAjv, crossFieldIssues, defaultSpec, fieldPath, validateSpec } from '../../src/api/validate';
import { sentimentModelSchema } from '../../src/api/schema';
import { FILE_MODEL, SHA } from '../support/models';

const paths = (input: unknown, name?: string): string[] => {
  const result = validateSpec(input, name);
  assert.equal(result.valid, false, 'expected the spec to be invalid');
  return result.errors.map((e) => e.path);
};

const messageFor = (input: unknown, path: string): string => {
  const result = validateSpec(input);
  const issue = result.errors.find((e) => e.path === path);
  assert.ok(issue, `no error on ${path}; got ${JSON.stringify(result.errors)}`);
  return issue.message;
};

describe('spec validation and defaulting', () => {
  it('fills every section of a minimal spec with the schema defaults', () => {
    const spec = defaultSpec({ model: FILE_MODEL });
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.autoscaling, {
      enabled: false,
      minReplicas: 1,
      maxReplicas: 5,
      scaleDownStabilizationSeconds: 300,
    });
    assert.equal(spec.serving.port, 8080);
    assert.equal(spec.serving.maxBatchSize, 64);
    assert.equal(spec.monitoring.serviceMonitor, true);
    assert.equal(spec.monitoring.scrapeInterval, '15s');
    assert.deepEqual(
      [spec.drift.window, spec.drift.interval, spec.drift.warningThreshold, spec.drift.criticalThreshold],
      ['10m', '60s', 0.1, 0.25],
    );
  });

  it('fills the missing fields of a section that is partly given', () => {
    const spec = defaultSpec({ model: FILE_MODEL, drift: { window: '30m' } });
    assert.equal(spec.drift.window, '30m');
    assert.equal(spec.drift.minSamples, 500);
  });

  it('never modifies its input', () => {
    const input = { model: FILE_MODEL };
    defaultSpec(input);
    assert.deepEqual(input, { model: FILE_MODEL });
  });

  it('requires the model uri', () => {
    assert.deepEqual(paths({ model: {} }), ['spec.model.uri']);
    assert.deepEqual(paths({}), ['spec.model']);
  });

  it('names the field and the limit of an out-of-range number', () => {
    assert.equal(
      messageFor({ model: FILE_MODEL, replicas: 101 }, 'spec.replicas'),
      'must be less than or equal to 100',
    );
    assert.equal(
      messageFor({ model: FILE_MODEL, serving: { port: 80 } }, 'spec.serving.port'),
      'must be greater than or equal to 1024',
    );
  });

  it('rejects a value outside an enum and lists the allowed ones', () => {
    assert.match(
      messageFor({ model: FILE_MODEL, serving: { logLevel: 'loud' } }, 'spec.serving.logLevel'),
      /"info"/,
    );
  });

  it('rejects a malformed duration, quantity and sha256', () => {
    assert.deepEqual(
      paths({
        model: { ...FILE_MODEL, sha256: 'XYZ' },
        drift: { window: 'ten minutes' },
        resources: { requests: { cpu: 'lots' } },
      }).sort(),
      ['spec.drift.window', 'spec.model.sha256', 'spec.resources.requests.cpu'],
    );
  });

  it('accepts quantities written as integers or strings', () => {
    assert.ok(
      validateSpec({ model: FILE_MODEL, resources: { requests: { cpu: 2, memory: '512Mi' } } }).valid,
    );
  });

  it('names a label key with a slash in brackets', () => {
    assert.deepEqual(paths({ model: FILE_MODEL, monitoring: { labels: { 'example.com/team': '-bad-' } } }), [
      'spec.monitoring.labels[example.com/team]',
    ]);
  });

  it('reports a wrong type at the field', () => {
    assert.equal(messageFor({ model: FILE_MODEL, replicas: 'two' }, 'spec.replicas'), 'must be integer');
  });

  describe('cross-field rules (the CRD CEL rules)', () => {
    it('rejects a uri scheme other than file, pvc, http and https', () => {
      assert.match(messageFor({ model: { uri: 's3://bucket/m.onnx' } }, 'spec.model.uri'), /file:\/\/\/PATH/);
    });

    it('rejects a pvc uri without a path', () => {
      assert.deepEqual(paths({ model: { uri: 'pvc://models' } }), ['spec.model.uri']);
    });

    it('requires sha256 for an http(s) model', () => {
      assert.match(
        messageFor({ model: { uri: 'https://example.com/m.onnx' } }, 'spec.model.sha256'),
        /sha256 is required/,
      );
      assert.ok(validateSpec({ model: { uri: 'https://example.com/m.onnx', sha256: SHA } }).valid);
    });

    it('rejects credentials in an http(s) model uri, naming the field', () => {
      for (const uri of ['https://user:pass@models.example.com/m.onnx', 'http://token@127.0.0.1/m.onnx']) {
        assert.match(
          messageFor({ model: { uri, sha256: SHA } }, 'spec.model.uri'),
          /spec\.model\.uri must not carry credentials/,
        );
      }
      // an @ in the path or query is not userinfo
      const signed = 'https://models.example.com/team@x/m.onnx?sig=a@b';
      assert.ok(validateSpec({ model: { uri: signed, sha256: SHA } }).valid);
    });

    it('takes a CA ConfigMap for an https model only, its key defaulting to ca.crt', () => {
      const model = {
        uri: 'https://models.example.com/m.onnx',
        sha256: SHA,
        caConfigMap: { name: 'models-ca' },
      };
      assert.deepEqual(defaultSpec({ model }).model.caConfigMap, { name: 'models-ca', key: 'ca.crt' });
      assert.deepEqual(paths({ model: { ...model, uri: 'http://127.0.0.1/m.onnx' } }), [
        'spec.model.caConfigMap',
      ]);
      assert.deepEqual(paths({ model: { ...model, caConfigMap: { key: 'x' } } }), [
        'spec.model.caConfigMap.name',
      ]);
    });

    it('requires minReplicas ≤ maxReplicas', () => {
      assert.match(
        messageFor({ model: FILE_MODEL, autoscaling: { minReplicas: 6 } }, 'spec.autoscaling.minReplicas'),
        /maxReplicas/,
      );
      assert.ok(validateSpec({ model: FILE_MODEL, autoscaling: { minReplicas: 5, maxReplicas: 5 } }).valid);
    });

    it('requires a target when autoscaling is enabled', () => {
      assert.deepEqual(paths({ model: FILE_MODEL, autoscaling: { enabled: true } }), ['spec.autoscaling']);
    });

    it('requires a cpu request for a cpu target', () => {
      const spec = { model: FILE_MODEL, autoscaling: { enabled: true, targetCPUUtilization: 70 } };
      assert.deepEqual(paths(spec), ['spec.resources']);
      assert.ok(validateSpec({ ...spec, resources: { requests: { cpu: '500m' } } }).valid);
    });

    it('requires warningThreshold < criticalThreshold', () => {
      assert.deepEqual(paths({ model: FILE_MODEL, drift: { warningThreshold: 0.25 } }), [
        'spec.drift.warningThreshold',
      ]);
    });

    describe('spec.drift.signals', () => {
      const drift = (d: Record<string, unknown>) => ({ model: FILE_MODEL, drift: d });
      const issues = (d: Record<string, unknown>) =>
        validateSpec(drift(d)).errors.map((e) => `${e.path}: ${e.message}`);

      it('defaults to no entry (every signal enabled) and fills enabled in an entry', () => {
        assert.equal(defaultSpec({ model: FILE_MODEL }).drift.signals, undefined);
        const spec = defaultSpec(drift({ signals: { unknownTokens: { criticalThreshold: 0.4 } } }));
        assert.deepEqual(spec.drift.signals, { unknownTokens: { enabled: true, criticalThreshold: 0.4 } });
      });

      it('accepts overrides that keep each pair in order, a missing threshold being the default', () => {
        for (const d of [
          {
            signals: {
              unknownTokens: { warningThreshold: 0.2, criticalThreshold: 0.4 },
              positiveRate: { enabled: false },
            },
          },
          {
            warningThreshold: 0.05,
            criticalThreshold: 0.4,
            signals: { confidence: { warningThreshold: 0.3 } },
          },
          { signals: { positiveRate: { warningThreshold: 0.05, criticalThreshold: 1 } } },
          {
            signals: {
              confidence: { enabled: false },
              inputTokens: { enabled: false },
              unknownTokens: { enabled: false },
            },
          },
        ])
          assert.deepEqual(issues(d), [], JSON.stringify(d));
      });

      it('rejects a key that is not a signal', () => {
        assert.deepEqual(issues({ signals: { unknownToken: {} } }), [
          'spec.drift.signals: drift.signals takes the signals confidence, inputTokens, unknownTokens, positiveRate only',
        ]);
        assert.deepEqual(paths(drift({ signals: { a: {}, b: {}, c: {}, d: {}, e: {} } })), [
          'spec.drift.signals',
        ]);
      });

      it('rejects a signal whose warning threshold is not below its critical one, defaults included', () => {
        const pairs =
          /^spec\.drift\.signals: each drift signal's warningThreshold must be less than its criticalThreshold/;
        assert.match(issues({ signals: { confidence: { warningThreshold: 0.3 } } }).join(), pairs);
        assert.match(issues({ signals: { positiveRate: { criticalThreshold: 0.1 } } }).join(), pairs);
        assert.match(
          issues({ signals: { inputTokens: { warningThreshold: 0.5, criticalThreshold: 0.5 } } }).join(),
          pairs,
        );
      });

      it('bounds the thresholds: 0 to 10, at most 1 for the positive rate', () => {
        assert.deepEqual(paths(drift({ signals: { inputTokens: { warningThreshold: -1 } } })), [
          'spec.drift.signals.inputTokens.warningThreshold',
        ]);
        assert.deepEqual(paths(drift({ signals: { inputTokens: { criticalThreshold: 11 } } })), [
          'spec.drift.signals.inputTokens.criticalThreshold',
        ]);
        assert.deepEqual(
          issues({ signals: { positiveRate: { warningThreshold: 1.5, criticalThreshold: 2 } } }),
          [
            'spec.drift.signals: drift.signals.positiveRate thresholds are differences of two shares, at most 1',
          ],
        );
      });

      it('keeps at least one signal enabled', () => {
        const off = { enabled: false };
        assert.deepEqual(
          issues({ signals: { confidence: off, inputTokens: off, unknownTokens: off, positiveRate: off } }),
          [
            'spec.drift.signals: drift.signals must leave at least one signal enabled; set drift.enabled to false to turn drift detection off',
          ],
        );
      });
    });

    it('requires a name that can name a Service', () => {
      assert.deepEqual(paths({ model: FILE_MODEL }, 'imdb.v2'), ['metadata.name']);
      assert.deepEqual(paths({ model: FILE_MODEL }, `m${'x'.repeat(63)}`), ['metadata.name']);
      assert.deepEqual(crossFieldIssues(defaultSpec({ model: FILE_MODEL }), 'imdb-v2'), []);
    });

    it('carries the same messages as the CRD', () => {
      const crd = crdYaml();
      const result = validateSpec({ model: { uri: 'ftp://x/y.onnx' }, drift: { warningThreshold: 1 } });
      const more = validateSpec({
        model: { uri: 'http://u:p@x/y.onnx', sha256: SHA, caConfigMap: { name: 'ca' } },
      });
      const off = { enabled: false };
      const signals = [
        {
          signals: {
            x: {},
            confidence: { warningThreshold: 0.3 },
            positiveRate: { warningThreshold: 1.5, criticalThreshold: 2 },
          },
        },
        { signals: { confidence: off, inputTokens: off, unknownTokens: off, positiveRate: off } },
      ].flatMap((drift) => validateSpec({ model: FILE_MODEL, drift }).errors);
      assert.equal(signals.length, 4);
      for (const issue of [...result.errors, ...more.errors, ...signals])
        assert.ok(crd.includes(issue.message), issue.message);
    });
  });

  it('turns JSON pointers into kubectl field paths', () => {
    assert.equal(fieldPath(''), 'spec');
    assert.equal(fieldPath('/serving/port'), 'spec.serving.port');
    assert.equal(fieldPath('/monitoring/labels/a~1b'), 'spec.monitoring.labels[a/b]');
  });

  it('compiles the whole object schema, status included, in strict mode', () => {
    assert.doesNotThrow(() => createAjv().compile(sentimentModelSchema));
  });
});
