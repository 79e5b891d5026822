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
      for (const issue of [...result.errors, ...more.errors])
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
