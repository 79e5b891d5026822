// The generated SentimentModel CRD against the real kube-apiserver: it is accepted and Established,
// `kubectl explain` shows its descriptions, the API server applies its defaults, its CEL rules and
// limits reject bad specs with messages that name the field, `kubectl scale` works, and every sample
// is valid.
import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { CRD_FILE, CRD_NAME } from '../../src/api/crd';
import type { SentimentModel } from '../../src/api/types';
import { defaultSpec } from '../../src/api/validate';
import { operatorConfig } from '../../src/config';
import { buildDeployment } from '../../src/resources/deployment';
import { buildHpa } from '../../src/resources/hpa';
import { buildPdb } from '../../src/resources/pdb';
import { buildService } from '../../src/resources/service';
import { buildServiceMonitor } from '../../src/resources/servicemonitor';
import {
  KubectlError,
  createTestNamespace,
  deleteNamespace,
  kubectl,
  kubectlJson,
  repoRoot,
  requireCluster,
  waitFor,
} from '../support/cluster';

const SHA = 'ab'.repeat(32);

function manifest(name: string, spec: unknown): string {
  return JSON.stringify({
    apiVersion: 'sentimentops.dev/v1alpha1',
    kind: 'SentimentModel',
    metadata: { name },
    spec,
  });
}

/** What the API server answers when asked to create `spec`; '' when it accepts it. */
async function rejection(ns: string, name: string, spec: unknown): Promise<string> {
  try {
    await kubectl(['create', '--dry-run=server', '-n', ns, '-f', '-'], { input: manifest(name, spec) });
    return '';
  } catch (err) {
    if (err instanceof KubectlError) return err.stderr;
    throw err;
  }
}

describe('the SentimentModel CRD on the API server', function () {
  this.timeout(120_000);
  let ns = '';

  before(async function () {
    await requireCluster();
    await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=integration-test',
      '-f',
      path.join(repoRoot, CRD_FILE),
    ]);
    await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
    ns = await createTestNamespace('it-crd');
  });

  after(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('is served under the short name sm and the category ml', async () => {
    const resources = await kubectl(['api-resources', '--api-group=sentimentops.dev', '-o', 'wide']);
    assert.match(resources, /sentimentmodels\s+sm\s+sentimentops\.dev\/v1alpha1\s+true\s+SentimentModel/);
    assert.match(resources, /\bml\b/);
  });

  it('explains spec.drift with the descriptions of its fields', async () => {
    // the API server publishes a new CRD's OpenAPI a few seconds after it is Established
    const text = await waitFor(() => kubectl(['explain', 'sentimentmodel.spec.drift']), {
      timeoutMs: 60_000,
      what: 'kubectl explain to know sentimentmodels',
    });
    // kubectl wraps descriptions at its terminal width, so words are matched across line breaks
    assert.match(text, /Population\s+Stability\s+Index/);
    assert.match(text, /warningThreshold\s+<number>\s+PSI\s+from\s+which\s+the\s+status\s+is\s+Warning/);
    assert.match(text, /signals\s+<map\[string\]Object>/);
    assert.match(text, /minSamples\s+<integer>/);
  });

  it('fills in the defaults of a minimal spec', async () => {
    await kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], {
      input: manifest('minimal', { model: { uri: 'file:///models/imdb.onnx' } }),
    });
    const sm = await kubectlJson<SentimentModel>(['get', 'sm', 'minimal', '-n', ns]);
    assert.equal(sm.spec.replicas, 1);
    assert.deepEqual(sm.spec.autoscaling, {
      enabled: false,
      minReplicas: 1,
      maxReplicas: 5,
      scaleDownStabilizationSeconds: 300,
    });
    assert.equal(sm.spec.serving.port, 8080);
    assert.equal(sm.spec.monitoring.serviceMonitor, true);
    assert.deepEqual(
      [
        sm.spec.drift.enabled,
        sm.spec.drift.window,
        sm.spec.drift.warningThreshold,
        sm.spec.drift.criticalThreshold,
      ],
      [true, '10m', 0.1, 0.25],
    );
  });

  it('lists READY, REPLICAS, DRIFT, SCORE, MODEL and AGE columns', async () => {
    const header = (await kubectl(['get', 'sm', '-n', ns])).split('\n')[0];
    assert.match(header, /^NAME\s+READY\s+REPLICAS\s+DRIFT\s+SCORE\s+MODEL\s+AGE$/);
  });

  it('scales with kubectl scale through the scale subresource', async () => {
    await kubectl(['scale', 'sm/minimal', '-n', ns, '--replicas=3']);
    const sm = await kubectlJson<SentimentModel>(['get', 'sm', 'minimal', '-n', ns]);
    assert.equal(sm.spec.replicas, 3);
  });

  describe('rejects an invalid spec with a message that names the field and the rule', () => {
    const model = { uri: 'file:///models/imdb.onnx' };
    const cases: { what: string; name?: string; spec: unknown; expect: RegExp[] }[] = [
      {
        what: 'a spec without a model',
        spec: { replicas: 1 },
        expect: [/spec\.model: Required value/],
      },
      {
        what: 'an unsupported uri scheme',
        spec: { model: { uri: 's3://bucket/imdb.onnx' } },
        expect: [
          /spec\.model\.uri: Invalid value: "s3:\/\/bucket\/imdb\.onnx": must be file:\/\/\/PATH, pvc:\/\/CLAIM\/PATH/,
        ],
      },
      {
        what: 'an https model without sha256',
        spec: { model: { uri: 'https://models.example.com/imdb.onnx' } },
        expect: [
          /spec\.model\.sha256: Required value: sha256 is required when model\.uri is an http:\/\/ or https:\/\/ URL/,
        ],
      },
      {
        what: 'a malformed sha256',
        spec: { model: { uri: 'https://models.example.com/imdb.onnx', sha256: 'ABC' } },
        expect: [/spec\.model\.sha256: Invalid value: "ABC": .*should match '\^\[a-f0-9\]\{64\}\$'/],
      },
      {
        what: 'minReplicas above maxReplicas',
        spec: { model, autoscaling: { minReplicas: 6, maxReplicas: 3 } },
        expect: [
          /spec\.autoscaling\.minReplicas: Invalid value: .*minReplicas must be less than or equal to maxReplicas/,
        ],
      },
      {
        what: 'autoscaling without a target',
        spec: { model, autoscaling: { enabled: true } },
        expect: [
          /spec\.autoscaling: Required value: autoscaling\.enabled needs targetCPUUtilization or targetRequestsPerSecond/,
        ],
      },
      {
        what: 'a CPU target without a CPU request',
        spec: { model, autoscaling: { enabled: true, targetCPUUtilization: 70 } },
        expect: [/spec\.resources: Invalid value: .*targetCPUUtilization needs resources\.requests\.cpu/],
      },
      {
        what: 'a warning threshold not below the critical one',
        spec: { model, drift: { warningThreshold: 0.3, criticalThreshold: 0.25 } },
        expect: [
          /spec\.drift\.warningThreshold: Invalid value: .*warningThreshold must be less than criticalThreshold/,
        ],
      },
      {
        what: 'a drift signal the API does not know',
        spec: { model, drift: { signals: { unknownToken: {} } } },
        expect: [
          /spec\.drift\.signals: Invalid value: .*drift\.signals takes the signals confidence, inputTokens, unknownTokens, positiveRate only/,
        ],
      },
      {
        what: "a drift signal's warning threshold not below its critical one (the default)",
        spec: { model, drift: { signals: { confidence: { warningThreshold: 0.3 } } } },
        expect: [
          /spec\.drift\.signals: Invalid value: .*each drift signal's warningThreshold must be less than its criticalThreshold/,
        ],
      },
      {
        what: 'a positive-rate threshold above 1',
        spec: {
          model,
          drift: { signals: { positiveRate: { warningThreshold: 1.5, criticalThreshold: 2 } } },
        },
        expect: [
          /spec\.drift\.signals: Invalid value: .*positiveRate thresholds are differences of two shares, at most 1/,
        ],
      },
      {
        what: 'every drift signal disabled',
        spec: {
          model,
          drift: {
            signals: Object.fromEntries(
              ['confidence', 'inputTokens', 'unknownTokens', 'positiveRate'].map((s) => [
                s,
                { enabled: false },
              ]),
            ),
          },
        },
        expect: [/spec\.drift\.signals: Invalid value: .*must leave at least one signal enabled/],
      },
      {
        what: 'replicas above the maximum',
        spec: { model, replicas: 101 },
        expect: [/spec\.replicas: Invalid value: 101: .*should be less than or equal to 100/],
      },
      {
        what: 'a privileged port',
        spec: { model, serving: { port: 80 } },
        expect: [/spec\.serving\.port: Invalid value: 80: .*should be greater than or equal to 1024/],
      },
      {
        what: 'an unknown log level',
        spec: { model, serving: { logLevel: 'loud' } },
        expect: [
          /spec\.serving\.logLevel: Unsupported value: "loud": supported values: "error", "warn", "info"/,
        ],
      },
      {
        what: 'a drift window that is not a duration',
        spec: { model, drift: { window: 'ten minutes' } },
        expect: [/spec\.drift\.window: Invalid value: "ten minutes": .*should match/],
      },
      {
        what: 'a resource request that is not a quantity',
        spec: { model, resources: { requests: { cpu: 'lots' } } },
        expect: [/spec\.resources\.requests\.cpu: Invalid value: "lots"/],
      },
      {
        what: 'a name that cannot name a Service',
        name: 'imdb.v2',
        spec: { model },
        expect: [/metadata\.name must be a DNS-1035 label of at most 63 characters/],
      },
    ];

    for (const c of cases) {
      it(`rejects ${c.what}`, async () => {
        const answer = await rejection(ns, c.name ?? 'bad', c.spec);
        assert.notEqual(answer, '', 'the API server accepted it');
        for (const re of c.expect) assert.match(answer, re);
      });
    }

    it('accepts the valid neighbours of those cases', async () => {
      for (const spec of [
        { model: { uri: 'https://models.example.com/imdb.onnx', sha256: SHA } },
        { model: { uri: 'pvc://store/imdb/model.onnx' } },
        {
          model,
          autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 5, targetRequestsPerSecond: 0.5 },
        },
        {
          model,
          autoscaling: { enabled: true, targetCPUUtilization: 70 },
          resources: { requests: { cpu: 1 } },
        },
        {
          model,
          drift: {
            warningThreshold: 0.05,
            criticalThreshold: 0.4,
            signals: {
              confidence: { warningThreshold: 0.3 },
              unknownTokens: { warningThreshold: 0.2, criticalThreshold: 0.4 },
              positiveRate: { enabled: false },
            },
          },
        },
      ]) {
        assert.equal(await rejection(ns, 'good', spec), '', JSON.stringify(spec));
      }
    });
  });

  it('accepts every child the builders make (server-side dry run)', async () => {
    const owner = await kubectlJson<SentimentModel>(['get', 'sm', 'minimal', '-n', ns]);
    const config = operatorConfig();
    for (const spec of [
      { model: { uri: 'pvc://store/imdb/model.onnx' }, replicas: 2, resources: { requests: { cpu: 1 } } },
      {
        model: { uri: 'https://models.example.com/imdb.onnx', sha256: SHA },
        monitoring: { labels: { release: 'kps' } },
      },
      {
        model: { uri: 'file:///models/imdb.onnx' },
        resources: { requests: { cpu: '250m' } },
        autoscaling: {
          enabled: true,
          minReplicas: 2,
          targetCPUUtilization: 70,
          targetRequestsPerSecond: 2.5,
        },
      },
    ]) {
      const sm: SentimentModel = { ...owner, spec: defaultSpec(spec) };
      const children = [buildDeployment, buildService, buildHpa, buildServiceMonitor, buildPdb]
        .map((build) => build(sm, config))
        .filter((child) => child !== undefined);
      await kubectl(['apply', '--dry-run=server', '--server-side', '-n', ns, '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: children }),
      });
    }
  });

  describe('samples', () => {
    it('are all accepted by the API server', async () => {
      const dir = path.join(repoRoot, 'samples');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
      assert.ok(files.includes('basic.yaml'), 'samples/basic.yaml exists');
      assert.ok(files.length >= 5, `expected at least 5 samples, found ${files.join(', ')}`);
      for (const file of files) {
        await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', path.join(dir, file)]);
      }
    });
  });
});
