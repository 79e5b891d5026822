import { strict as assert } from 'node:assert';
import type { KubeObject } from '../../src/controller/children';
import {
  APPLIED_HASH_ANNOTATION,
  applyReason,
  controlledBy,
  controllerOf,
  isSubset,
  specHash,
  stableJson,
  withAppliedHash,
} from '../../src/controller/diff';

const UID = '0b9f6c1e-7d2a-4c55-9a51-1f0e2b3c4d5e';
const OWNER = {
  apiVersion: 'sentimentops.dev/v1alpha1',
  kind: 'SentimentModel',
  name: 'imdb',
  uid: UID,
  controller: true,
  blockOwnerDeletion: true,
};

/** A Service as the operator builds it. */
function desiredService(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'imdb',
      namespace: 'ml',
      labels: { 'app.kubernetes.io/instance': 'imdb' },
      ownerReferences: [OWNER],
    },
    spec: {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/instance': 'imdb' },
      ports: [{ name: 'http', port: 8080, targetPort: 'http' }],
      ...spec,
    },
  };
}

/** `applied` as the API server returns it: with defaulted and server-set fields added. */
function asStored(applied: KubeObject): KubeObject {
  const stored = structuredClone(applied) as KubeObject & { spec: Record<string, unknown> };
  stored.metadata = { ...stored.metadata, resourceVersion: '42', uid: 'child-uid', generation: 1 };
  const ports = stored.spec.ports as Record<string, unknown>[];
  stored.spec = {
    ...stored.spec,
    clusterIP: '10.96.0.12',
    sessionAffinity: stored.spec.sessionAffinity ?? 'None',
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
  stored.status = { loadBalancer: {} };
  return stored;
}

describe('stableJson', () => {
  it('does not depend on the order object keys were set in', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'c' } };
    const b = { a: { c: 'c', d: [1, { x: 1, y: 2 }] }, b: 1 };
    assert.equal(stableJson(a), stableJson(b));
    assert.equal(stableJson(a), '{"a":{"c":"c","d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps the order of list elements', () => {
    assert.notEqual(stableJson([1, 2]), stableJson([2, 1]));
  });

  it('leaves out undefined fields, as JSON does', () => {
    assert.equal(stableJson({ a: 1, b: undefined }), stableJson({ a: 1 }));
  });

  it('tells a number from a string', () => {
    assert.notEqual(stableJson({ a: 1 }), stableJson({ a: '1' }));
  });
});

describe('specHash', () => {
  it('is the same for equal objects built in a different order', () => {
    const reordered: KubeObject = {
      spec: {
        ports: [{ targetPort: 'http', port: 8080, name: 'http' }],
        selector: { 'app.kubernetes.io/instance': 'imdb' },
        type: 'ClusterIP',
      },
      metadata: desiredService().metadata,
      kind: 'Service',
      apiVersion: 'v1',
    };
    assert.equal(specHash(reordered), specHash(desiredService()));
    assert.match(specHash(desiredService()), /^[0-9a-f]{16}$/);
  });

  it('changes when any value changes, however deep', () => {
    const base = specHash(desiredService());
    assert.notEqual(
      specHash(desiredService({ ports: [{ name: 'http', port: 8081, targetPort: 'http' }] })),
      base,
    );
    assert.notEqual(specHash(desiredService({ type: 'NodePort' })), base);
  });

  it('changes when a field is added or removed', () => {
    assert.notEqual(specHash(desiredService({ sessionAffinity: 'ClientIP' })), specHash(desiredService()));
  });
});

describe('withAppliedHash', () => {
  it('returns a copy carrying the hash of the object in the applied-hash annotation', () => {
    const object = desiredService();
    const hashed = withAppliedHash(object);
    assert.equal(APPLIED_HASH_ANNOTATION, 'sentimentops.dev/applied-hash');
    assert.equal(hashed.metadata?.annotations?.[APPLIED_HASH_ANNOTATION], specHash(object));
    assert.deepEqual(hashed.metadata?.labels, object.metadata?.labels);
    assert.deepEqual(hashed.spec, object.spec);
  });

  it('keeps the annotations the object already has', () => {
    const object = desiredService();
    object.metadata!.annotations = { 'example.com/team': 'ml' };
    const hashed = withAppliedHash(object);
    assert.equal(hashed.metadata?.annotations?.['example.com/team'], 'ml');
    assert.ok(hashed.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]);
  });

  it('does not mutate its input', () => {
    const object = desiredService();
    object.metadata!.annotations = { 'example.com/team': 'ml' };
    const before = structuredClone(object);
    const hashed = withAppliedHash(object);
    assert.deepEqual(object, before);
    (hashed.spec as { type: string }).type = 'NodePort';
    assert.equal((object.spec as { type: string }).type, 'ClusterIP', 'the copy shares nested objects');
  });
});

describe('isSubset', () => {
  it('accepts fields the observed object has and the desired one does not set', () => {
    assert.ok(isSubset({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(isSubset({}, { a: 1 }));
  });

  it('compares nested objects field by field', () => {
    assert.ok(isSubset({ spec: { x: { y: 1 } } }, { spec: { x: { y: 1, z: 2 }, w: 3 } }));
    assert.equal(isSubset({ spec: { x: { y: 1 } } }, { spec: { x: { y: 2 } } }), false);
  });

  it('requires lists of the same length that match element by element', () => {
    assert.ok(isSubset([{ port: 80 }], [{ port: 80, protocol: 'TCP' }]));
    assert.equal(isSubset([1], [1, 2]), false, 'an extra observed element was accepted');
    assert.equal(isSubset([1, 2], [1]), false, 'a missing observed element was accepted');
    assert.equal(isSubset([1, 2], [2, 1]), false, 'the order of elements was ignored');
    assert.ok(isSubset([], []));
  });

  it('tells lists from objects', () => {
    assert.equal(isSubset({ a: {} }, { a: [] }), false);
    assert.equal(isSubset({ a: [] }, { a: {} }), false);
  });

  it('compares numbers and strings by value, as the API server may echo 1 for "1"', () => {
    assert.ok(isSubset({ a: 1 }, { a: '1' }));
    assert.ok(isSubset({ a: '1' }, { a: 1 }));
    assert.equal(isSubset({ a: 1 }, { a: '2' }), false);
    assert.equal(isSubset({ a: 1 }, { a: 2 }), false);
  });

  it('does not equate other types with their string form', () => {
    assert.equal(isSubset({ a: true }, { a: 'true' }), false);
    assert.equal(isSubset({ a: 'x' }, { a: 'y' }), false);
  });

  it('rejects a field the observed object lacks', () => {
    assert.equal(isSubset({ a: 1 }, {}), false);
    assert.equal(isSubset({ a: { b: 1 } }, {}), false);
    assert.equal(isSubset({ a: 0 }, {}), false);
    assert.equal(isSubset({ a: '' }, {}), false);
  });

  it('ignores fields the desired object leaves undefined', () => {
    assert.ok(isSubset({ a: undefined, b: 1 }, { b: 1 }));
    assert.ok(isSubset({ a: undefined }, { a: 5 }), 'an undefined desired field must not demand absence');
  });

  it('handles null on either side', () => {
    assert.ok(isSubset({ a: null }, { a: null }));
    assert.equal(isSubset({ a: null }, {}), false);
    assert.equal(isSubset({ a: { b: 1 } }, { a: null }), false);
    assert.equal(isSubset({ a: 1 }, { a: null }), false);
    assert.equal(isSubset({ a: null }, { a: 0 }), false);
  });
});

describe('applyReason', () => {
  it('is create when the child does not exist', () => {
    assert.equal(applyReason(withAppliedHash(desiredService()), undefined), 'create');
  });

  it('is undefined when the stored child is what was applied plus server-set fields', () => {
    const desired = withAppliedHash(desiredService());
    assert.equal(applyReason(desired, asStored(desired)), undefined);
  });

  it('is spec-changed when the desired object dropped a field the subset check cannot see', () => {
    const before = withAppliedHash(desiredService({ sessionAffinity: 'ClientIP' }));
    const stored = asStored(before);
    const now = withAppliedHash(desiredService());
    assert.ok(
      isSubset(now, { ...stored, metadata: now.metadata }),
      'isSubset alone would have seen the removal; the test no longer shows why the hash is needed',
    );
    assert.equal(applyReason(now, stored), 'spec-changed');
  });

  it('is spec-changed when a desired value changed', () => {
    const stored = asStored(withAppliedHash(desiredService()));
    const now = withAppliedHash(
      desiredService({ ports: [{ name: 'http', port: 9090, targetPort: 'http' }] }),
    );
    assert.equal(applyReason(now, stored), 'spec-changed');
  });

  it('is spec-changed when the stored child has no applied-hash annotation', () => {
    const desired = withAppliedHash(desiredService());
    const stored = asStored(desired);
    delete stored.metadata!.annotations;
    assert.equal(applyReason(desired, stored), 'spec-changed');
  });

  it('is drifted when someone edited a field the operator owns', () => {
    const desired = withAppliedHash(desiredService());
    const edited = asStored(desired) as KubeObject & { spec: { ports: { port: number }[] } };
    edited.spec.ports[0].port = 9999;
    assert.equal(applyReason(desired, edited), 'drifted');

    const unlabeled = asStored(desired);
    unlabeled.metadata!.labels = {};
    assert.equal(applyReason(desired, unlabeled), 'drifted');
  });

  it('is undefined after a hand edit of a field the operator does not own', () => {
    const desired = withAppliedHash(desiredService());
    const stored = asStored(desired);
    stored.metadata!.labels = { ...stored.metadata!.labels, 'example.com/team': 'ml' };
    assert.equal(applyReason(desired, stored), undefined);
  });
});

describe('controlledBy and controllerOf', () => {
  const withOwners = (ownerReferences: Record<string, unknown>[]): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'imdb', ownerReferences },
    }) as unknown as KubeObject;

  it('find the controller owner reference', () => {
    const object = withOwners([{ ...OWNER, uid: 'other', controller: false }, OWNER]);
    assert.ok(controlledBy(object, UID));
    assert.deepEqual(controllerOf(object), OWNER);
  });

  it('ignore owner references that are not the controller', () => {
    const object = withOwners([
      { ...OWNER, controller: false },
      { ...OWNER, controller: undefined },
    ]);
    assert.equal(controlledBy(object, UID), false);
    assert.equal(controllerOf(object), undefined);
  });

  it('tell one SentimentModel from another by uid', () => {
    assert.equal(controlledBy(withOwners([OWNER]), 'another-uid'), false);
  });

  it('handle objects without owner references or metadata', () => {
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Service' };
    assert.equal(controlledBy(bare, UID), false);
    assert.equal(controllerOf(bare), undefined);
    assert.equal(controllerOf(withOwners([])), undefined);
  });
});
