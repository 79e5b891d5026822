import { strict as assert } from 'node:assert';
import type { KubeObject } from '../../src/controller/children';
import { modelKey, ownerKey, splitKey } from '../../src/controller/controller';

const CONTROLLER = {
  apiVersion: 'sentimentops.dev/v1alpha1',
  kind: 'SentimentModel',
  name: 'imdb',
  uid: '0b9f6c1e-7d2a-4c55-9a51-1f0e2b3c4d5e',
  controller: true,
};

function child(ownerReferences: Record<string, unknown>[], namespace: string | null = 'ml'): KubeObject {
  const metadata = { name: 'x', ownerReferences, ...(namespace === null ? {} : { namespace }) };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata } as unknown as KubeObject;
}

describe('work queue keys', () => {
  it('are namespace/name and split back into both', () => {
    assert.equal(modelKey('ml', 'imdb'), 'ml/imdb');
    assert.deepEqual(splitKey(modelKey('ml-prod', 'imdb-v2')), ['ml-prod', 'imdb-v2']);
  });

  it('of a child are the key of the SentimentModel that controls it', () => {
    assert.equal(ownerKey(child([CONTROLLER])), 'ml/imdb');
  });

  it('of a child come from the controller reference, not from other owners', () => {
    const other = { ...CONTROLLER, name: 'shared', controller: false };
    assert.equal(ownerKey(child([other, CONTROLLER])), 'ml/imdb');
  });

  it('are undefined for a child with only non-controller SentimentModel owners', () => {
    assert.equal(ownerKey(child([{ ...CONTROLLER, controller: false }])), undefined);
    assert.equal(ownerKey(child([{ ...CONTROLLER, controller: undefined }])), undefined);
  });

  it('are undefined for a child controlled by another kind or API version', () => {
    const replicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'imdb',
      uid: 'u',
      controller: true,
    };
    assert.equal(ownerKey(child([replicaSet])), undefined);
    assert.equal(ownerKey(child([{ ...CONTROLLER, apiVersion: 'sentimentops.dev/v1beta1' }])), undefined);
    assert.equal(ownerKey(child([{ ...CONTROLLER, apiVersion: 'other.dev/v1alpha1' }])), undefined);
    assert.equal(ownerKey(child([{ ...CONTROLLER, kind: 'TextModel' }])), undefined);
  });

  it('are undefined for objects without owners or namespace', () => {
    assert.equal(ownerKey(child([])), undefined);
    assert.equal(ownerKey({ apiVersion: 'v1', kind: 'Service' }), undefined);
    assert.equal(ownerKey(child([CONTROLLER], null)), undefined);
  });
});
