import { strict as assert } from 'node:assert';
import { operatorConfig } from '../../src/config';
import { buildServiceMonitor } from '../../src/resources/servicemonitor';
import { FILE_MODEL, sentimentModel } from '../support/models';

const serviceMonitor = (monitoring: Record<string, unknown>) =>
  buildServiceMonitor(sentimentModel({ model: FILE_MODEL, monitoring }), operatorConfig());

describe('the ServiceMonitor', () => {
  it('is not built when monitoring.serviceMonitor is false', () => {
    assert.equal(serviceMonitor({ serviceMonitor: false }), undefined);
  });

  it('scrapes /metrics on port http of the model Service at the configured interval', () => {
    const s = serviceMonitor({ scrapeInterval: '30s' })!;
    assert.equal(s.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(s.kind, 'ServiceMonitor');
    assert.deepEqual(s.spec.endpoints, [{ port: 'http', path: '/metrics', scheme: 'http', interval: '30s' }]);
    assert.deepEqual(s.spec.selector.matchLabels, {
      'app.kubernetes.io/name': 'sentiment-model-server',
      'app.kubernetes.io/instance': 'imdb',
    });
  });

  it('carries monitoring.labels so a Prometheus Operator instance selects it', () => {
    const s = serviceMonitor({ labels: { release: 'kube-prometheus-stack' } })!;
    assert.equal(s.metadata.labels!.release, 'kube-prometheus-stack');
    assert.equal(s.metadata.labels!['app.kubernetes.io/managed-by'], 'sentiment-operator');
  });

  it('never lets monitoring.labels override a contract label', () => {
    const s = serviceMonitor({ labels: { 'app.kubernetes.io/instance': 'other' } })!;
    assert.equal(s.metadata.labels!['app.kubernetes.io/instance'], 'imdb');
  });

  it('is owned by the SentimentModel', () => {
    assert.equal(serviceMonitor({})!.metadata.ownerReferences![0].kind, 'SentimentModel');
  });
});
