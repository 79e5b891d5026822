import { strict as assert } from 'node:assert';
import { operatorConfig } from '../../src/config';
import { buildHpa, decimalQuantity } from '../../src/resources/hpa';
import { FILE_MODEL, sentimentModel } from '../support/models';

const hpa = (autoscaling: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  buildHpa(sentimentModel({ model: FILE_MODEL, autoscaling, ...extra }), operatorConfig());
const CPU = { resources: { requests: { cpu: '500m' } } };

describe('the HorizontalPodAutoscaler', () => {
  it('is not built when autoscaling is off', () => {
    assert.equal(hpa({ enabled: false }), undefined);
  });

  it('scales the Deployment of the same name between minReplicas and maxReplicas', () => {
    const h = hpa({ enabled: true, minReplicas: 1, maxReplicas: 5, targetCPUUtilization: 70 }, CPU)!;
    assert.equal(h.apiVersion, 'autoscaling/v2');
    assert.equal(h.metadata!.name, 'imdb');
    assert.deepEqual(h.spec!.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'imdb' });
    assert.equal(h.spec!.minReplicas, 1);
    assert.equal(h.spec!.maxReplicas, 5);
  });

  it('targets average CPU utilization', () => {
    const h = hpa({ enabled: true, targetCPUUtilization: 70 }, CPU)!;
    assert.deepEqual(h.spec!.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
  });

  it('targets requests per second per pod through the Pods metric sentiment_requests_per_second', () => {
    const h = hpa({ enabled: true, maxReplicas: 10, targetRequestsPerSecond: 50 })!;
    assert.deepEqual(h.spec!.metrics, [
      {
        type: 'Pods',
        pods: {
          metric: { name: 'sentiment_requests_per_second' },
          target: { type: 'AverageValue', averageValue: '50' },
        },
      },
    ]);
  });

  it('uses both metrics when both targets are given', () => {
    const h = hpa({ enabled: true, targetCPUUtilization: 70, targetRequestsPerSecond: 2.5 }, CPU)!;
    assert.deepEqual(
      h.spec!.metrics!.map((m) => m.type),
      ['Resource', 'Pods'],
    );
    assert.equal(h.spec!.metrics![1].pods!.target.averageValue, '2500m');
  });

  it('waits the stabilization window before scaling down', () => {
    const h = hpa({ enabled: true, targetRequestsPerSecond: 5, scaleDownStabilizationSeconds: 120 })!;
    assert.deepEqual(h.spec!.behavior, { scaleDown: { stabilizationWindowSeconds: 120 } });
  });

  it('writes fractional targets as milli-quantities', () => {
    assert.equal(decimalQuantity(3), '3');
    assert.equal(decimalQuantity(0.5), '500m');
    assert.equal(decimalQuantity(0.001), '1m');
  });
});
