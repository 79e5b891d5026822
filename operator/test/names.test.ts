import { strict as assert } from 'node:assert';
import { API_GROUP_VERSION, childLabels, selectorLabels } from '../src/api/names';

describe('api names', () => {
  it('uses the published group and version', () => {
    assert.equal(API_GROUP_VERSION, 'sentimentops.dev/v1alpha1');
  });

  it('gives every child the four contract labels', () => {
    assert.deepEqual(childLabels('imdb'), {
      'app.kubernetes.io/name': 'sentiment-model-server',
      'app.kubernetes.io/instance': 'imdb',
      'app.kubernetes.io/managed-by': 'sentiment-operator',
      'sentimentops.dev/model': 'imdb',
    });
  });

  it('selects pods with a subset of the child labels', () => {
    const all = childLabels('x');
    for (const [k, v] of Object.entries(selectorLabels('x'))) assert.equal(all[k], v);
  });
});
