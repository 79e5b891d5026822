import { strict as assert } from 'node:assert';
import {
  CHILD_KINDS,
  type Capabilities,
  type ChildKind,
  type DesiredChildren,
  PROMETHEUS_RULE,
  SERVICE_MONITOR,
  desiredChildren,
  kindKey,
} from '../../src/controller/children';
import { operatorConfig } from '../../src/config';
import { basicModel } from './basic-sample';

const SERVICE_MONITOR_KEY = 'monitoring.coreos.com/v1/ServiceMonitor';
const PROMETHEUS_RULE_KEY = 'monitoring.coreos.com/v1/PrometheusRule';
const WITH_PROMETHEUS_OPERATOR: Capabilities = {
  served: new Set([SERVICE_MONITOR_KEY, PROMETHEUS_RULE_KEY]),
};
const SERVICE_MONITORS_ONLY: Capabilities = { served: new Set([SERVICE_MONITOR_KEY]) };
const PLAIN_CLUSTER: Capabilities = { served: new Set() };

const kinds = (list: readonly ChildKind[]): string[] => list.map((k) => k.kind);
const presentKinds = (children: DesiredChildren): string[] => children.present.map((o) => o.kind);
const CORE = ['Deployment', 'Service', 'HorizontalPodAutoscaler'];

describe('desiredChildren', () => {
  it('builds a Deployment, Service and HPA but no PDB for the basic sample (autoscaled from 1 replica)', () => {
    const children = desiredChildren(basicModel(), operatorConfig(), WITH_PROMETHEUS_OPERATOR);
    assert.deepEqual(presentKinds(children), [...CORE, 'ServiceMonitor', 'PrometheusRule']);
    assert.deepEqual(kinds(children.absent), ['PodDisruptionBudget']);
    assert.deepEqual(children.unserved, []);
  });

  it('builds the Deployment first, so the Service and HPA never point at nothing for long', () => {
    const children = desiredChildren(basicModel(), operatorConfig(), PLAIN_CLUSTER);
    assert.equal(children.present[0].kind, 'Deployment');
    assert.equal(CHILD_KINDS[0].kind, 'Deployment');
  });

  it('names every child after the model, in its namespace, controlled by it', () => {
    const children = desiredChildren(basicModel(), operatorConfig(), WITH_PROMETHEUS_OPERATOR);
    for (const object of children.present) {
      assert.equal(object.metadata?.name, 'imdb', object.kind);
      assert.equal(object.metadata?.namespace, 'ml', object.kind);
      assert.equal(object.metadata?.ownerReferences?.[0]?.controller, true, object.kind);
    }
  });

  it('builds a ServiceMonitor only when the cluster serves monitoring.coreos.com/v1 ServiceMonitor', () => {
    const served = desiredChildren(basicModel(), operatorConfig(), SERVICE_MONITORS_ONLY);
    assert.ok(presentKinds(served).includes('ServiceMonitor'));
    assert.equal(kindKey(SERVICE_MONITOR), SERVICE_MONITOR_KEY);

    const otherVersion: Capabilities = { served: new Set(['monitoring.coreos.com/v1alpha1/ServiceMonitor']) };
    const notServed = desiredChildren(basicModel(), operatorConfig(), otherVersion);
    assert.equal(presentKinds(notServed).includes('ServiceMonitor'), false);
  });

  it('reports a wanted ServiceMonitor as unserved, not absent, when the cluster lacks the CRD', () => {
    const children = desiredChildren(basicModel(), operatorConfig(), PLAIN_CLUSTER);
    assert.deepEqual(presentKinds(children), CORE);
    assert.ok(children.unserved.includes(SERVICE_MONITOR));
    assert.equal(kinds(children.absent).includes('ServiceMonitor'), false, 'deleting an unserved kind fails');
  });

  it('reports a wanted PrometheusRule as unserved on its own when only ServiceMonitors are served', () => {
    const children = desiredChildren(basicModel(), operatorConfig(), SERVICE_MONITORS_ONLY);
    assert.deepEqual(presentKinds(children), [...CORE, 'ServiceMonitor']);
    assert.deepEqual(children.unserved, [PROMETHEUS_RULE]);
    assert.deepEqual(kinds(children.absent), ['PodDisruptionBudget']);
  });

  it('builds a PDB and no HPA when autoscaling is off with 3 replicas', () => {
    const sm = basicModel({ autoscaling: { enabled: false }, replicas: 3 });
    const children = desiredChildren(sm, operatorConfig(), WITH_PROMETHEUS_OPERATOR);
    assert.deepEqual(presentKinds(children), [
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'ServiceMonitor',
      'PrometheusRule',
    ]);
    assert.deepEqual(kinds(children.absent), ['HorizontalPodAutoscaler']);
  });

  it('lists the ServiceMonitor as absent when monitoring.serviceMonitor is false and the kind is served', () => {
    const sm = basicModel({ monitoring: { serviceMonitor: false } });
    const children = desiredChildren(sm, operatorConfig(), WITH_PROMETHEUS_OPERATOR);
    assert.equal(presentKinds(children).includes('ServiceMonitor'), false);
    assert.deepEqual(kinds(children.absent), ['PodDisruptionBudget', 'ServiceMonitor']);
    assert.deepEqual(children.unserved, []);
  });

  it('lists the PrometheusRule as absent when monitoring.prometheusRule is false and the kind is served', () => {
    const sm = basicModel({ monitoring: { prometheusRule: false } });
    const children = desiredChildren(sm, operatorConfig(), WITH_PROMETHEUS_OPERATOR);
    assert.deepEqual(presentKinds(children), [...CORE, 'ServiceMonitor']);
    assert.deepEqual(kinds(children.absent), ['PodDisruptionBudget', 'PrometheusRule']);
  });

  it('neither deletes nor reports unwanted monitoring objects on a cluster without the CRDs', () => {
    const sm = basicModel({ monitoring: { serviceMonitor: false, prometheusRule: false } });
    const children = desiredChildren(sm, operatorConfig(), PLAIN_CLUSTER);
    assert.deepEqual(presentKinds(children), CORE);
    assert.deepEqual(kinds(children.absent), ['PodDisruptionBudget']);
    assert.deepEqual(children.unserved, []);
  });

  it('accounts for every child kind exactly once when the spec wants them all', () => {
    for (const capabilities of [WITH_PROMETHEUS_OPERATOR, SERVICE_MONITORS_ONLY, PLAIN_CLUSTER]) {
      const children = desiredChildren(basicModel(), operatorConfig(), capabilities);
      const all = [...presentKinds(children), ...kinds(children.absent), ...kinds(children.unserved)].sort();
      assert.deepEqual(all, kinds(CHILD_KINDS).sort());
    }
  });
});
