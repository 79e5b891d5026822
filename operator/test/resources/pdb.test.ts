import { strict as assert } from 'node:assert';
import { operatorConfig } from '../../src/config';
import { buildPdb } from '../../src/resources/pdb';
import { FILE_MODEL, sentimentModel } from '../support/models';

const pdb = (spec: Record<string, unknown>) =>
  buildPdb(sentimentModel({ model: FILE_MODEL, ...spec }), operatorConfig());

describe('the PodDisruptionBudget', () => {
  it('is not built for a single replica, where it would block every node drain', () => {
    assert.equal(pdb({ replicas: 1 }), undefined);
  });

  it('keeps one pod available when the model runs more than one replica', () => {
    const p = pdb({ replicas: 3 })!;
    assert.equal(p.apiVersion, 'policy/v1');
    assert.equal(p.metadata!.name, 'imdb');
    assert.equal(p.spec!.minAvailable, 1);
    assert.deepEqual(p.spec!.selector!.matchLabels, {
      'app.kubernetes.io/name': 'sentiment-model-server',
      'app.kubernetes.io/instance': 'imdb',
    });
    assert.equal(p.metadata!.ownerReferences![0].controller, true);
  });

  it('follows minReplicas, not replicas, under autoscaling', () => {
    const target = { targetRequestsPerSecond: 10 };
    assert.equal(pdb({ replicas: 3, autoscaling: { enabled: true, minReplicas: 1, ...target } }), undefined);
    assert.ok(pdb({ replicas: 1, autoscaling: { enabled: true, minReplicas: 2, ...target } }));
  });
});
