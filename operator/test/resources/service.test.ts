import { strict as assert } from 'node:assert';
import { operatorConfig } from '../../src/config';
import { buildService, serviceUrl } from '../../src/resources/service';
import { FILE_MODEL, sentimentModel } from '../support/models';

describe('the Service', () => {
  const sm = sentimentModel({ model: FILE_MODEL, serving: { port: 9000 } });
  const svc = buildService(sm, operatorConfig());

  it('is a ClusterIP Service named like the SentimentModel, with the contract labels and owner', () => {
    assert.equal(svc.metadata!.name, 'imdb');
    assert.equal(svc.spec!.type, 'ClusterIP');
    assert.equal(svc.metadata!.labels!['sentimentops.dev/model'], 'imdb');
    assert.equal(svc.metadata!.ownerReferences![0].controller, true);
  });

  it('selects the model pods', () => {
    assert.deepEqual(svc.spec!.selector, {
      'app.kubernetes.io/name': 'sentiment-model-server',
      'app.kubernetes.io/instance': 'imdb',
    });
  });

  it('exposes the serving port as `http`', () => {
    assert.deepEqual(svc.spec!.ports, [{ name: 'http', port: 9000, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('gives the in-cluster URL the status reports', () => {
    assert.equal(serviceUrl(sm), 'http://imdb.ml.svc:9000');
  });
});
