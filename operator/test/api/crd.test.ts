import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { CRD_FILE, buildCrd } from '../../src/api/crd';
import type { JSONSchema } from '../../src/api/schema';
import { generatedFiles } from '../../src/cli/gen-manifests';
import { repoRoot } from '../support/cluster';

/** Every property below `schema`, with its path, except metadata (which the API server forbids describing). */
function fields(schema: JSONSchema, at: string): [string, JSONSchema][] {
  const out: [string, JSONSchema][] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (at === '' && name === 'metadata') continue;
    out.push([`${at}.${name}`, child], ...fields(child, `${at}.${name}`));
    if (child.items) out.push(...fields(child.items, `${at}.${name}[]`));
    if (typeof child.additionalProperties === 'object') {
      out.push([`${at}.${name}{}`, child.additionalProperties]);
      out.push(...fields(child.additionalProperties, `${at}.${name}{}`));
    }
  }
  return out;
}

describe('the SentimentModel CRD', () => {
  const crd = buildCrd();
  const version = crd.spec.versions[0];
  const schema = version.schema.openAPIV3Schema;

  it('publishes the names of api/names.ts', () => {
    assert.equal(crd.metadata.name, 'sentimentmodels.sentimentops.dev');
    assert.equal(crd.spec.group, 'sentimentops.dev');
    assert.equal(version.name, 'v1alpha1');
    assert.deepEqual(crd.spec.names, {
      kind: 'SentimentModel',
      listKind: 'SentimentModelList',
      plural: 'sentimentmodels',
      singular: 'sentimentmodel',
      shortNames: ['sm'],
      categories: ['ml'],
    });
    assert.equal(crd.spec.scope, 'Namespaced');
  });

  it('has the status and scale subresources', () => {
    assert.deepEqual(version.subresources, {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    });
  });

  it('prints READY, REPLICAS, DRIFT, SCORE, MODEL and AGE', () => {
    assert.deepEqual(
      version.additionalPrinterColumns.map((c) => [c.name.toUpperCase(), c.jsonPath]),
      [
        ['READY', '.status.conditions[?(@.type=="Ready")].status'],
        ['REPLICAS', '.status.replicasReady'],
        ['DRIFT', '.status.drift.status'],
        ['SCORE', '.status.drift.score'],
        ['MODEL', '.status.modelVersion'],
        ['AGE', '.metadata.creationTimestamp'],
      ],
    );
  });

  it('describes every field', () => {
    const undocumented = fields(schema, '')
      .filter(([, s]) => !s.description)
      .map(([p]) => p);
    assert.deepEqual(undocumented, []);
  });

  it('uses no boolean exclusiveMinimum or exclusiveMaximum', () => {
    const text = JSON.stringify(schema);
    assert.doesNotMatch(text, /exclusiveM(in|ax)imum/);
  });

  it('keeps conditions a list map keyed by type', () => {
    const conditions = schema.properties?.status.properties?.conditions;
    assert.equal(conditions?.['x-kubernetes-list-type'], 'map');
    assert.deepEqual(conditions?.['x-kubernetes-list-map-keys'], ['type']);
  });

  it('bounds every string and map a CEL rule reads, so the rule cost stays within limits', () => {
    const spec = schema.properties!.spec;
    assert.ok(spec.properties!.model.properties!.uri.maxLength);
    assert.ok(spec.properties!.resources.properties!.requests.maxProperties);
    assert.equal(spec.properties!.drift.properties!.signals.maxProperties, 4);
  });

  it('takes spec.drift.signals as a map keyed by signal, whose keys and thresholds CEL checks', () => {
    const drift = schema.properties!.spec.properties!.drift;
    const signals = drift.properties!.signals;
    assert.equal(signals.type, 'object');
    assert.deepEqual(Object.keys((signals.additionalProperties as JSONSchema).properties ?? {}), [
      'enabled',
      'warningThreshold',
      'criticalThreshold',
    ]);
    const rules = (signals['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    assert.ok(
      rules.some((r) => r.includes("k in ['confidence', 'inputTokens', 'unknownTokens', 'positiveRate']")),
    );
    assert.ok((drift['x-kubernetes-validations'] ?? []).some((r) => r.fieldPath === '.signals'));
  });

  it('keeps status.drift.signals a list map keyed by name', () => {
    const signals = schema.properties!.status.properties!.drift.properties!.signals;
    assert.equal(signals['x-kubernetes-list-type'], 'map');
    assert.deepEqual(signals['x-kubernetes-list-map-keys'], ['name']);
    assert.deepEqual(signals.items?.required, ['name', 'state', 'warningThreshold', 'criticalThreshold']);
    assert.deepEqual(signals.items?.properties?.state.enum, [
      'Healthy',
      'Warning',
      'Drifted',
      'InsufficientData',
      'Unknown',
      'NoBaseline',
    ]);
  });

  it('is committed up to date in crds/ and docs/ (run make manifests when this fails)', async function () {
    this.timeout(10_000);
    for (const file of await generatedFiles(repoRoot)) {
      const committed = await readFile(path.join(repoRoot, file.path), 'utf8');
      assert.ok(committed === file.text, `${file.path} is stale: run make manifests`);
    }
  });

  it('writes YAML that parses back to the same object', async () => {
    const committed = parse(await readFile(path.join(repoRoot, CRD_FILE), 'utf8')) as unknown;
    assert.deepEqual(committed, JSON.parse(JSON.stringify(crd)));
  });
});
