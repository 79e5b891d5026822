// The kustomize packaging in config/ against the real kube-apiserver: every directory renders, the API
// server accepts every object it renders (server-side dry run), the operator's ClusterRole grants exactly
// what the operator calls (no wildcards, no secrets), the manager Deployment is probed, bounded and
// hardened (the restricted Pod Security Standard has nothing to say about it), and `make install` is
// idempotent.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildCrd } from '../../src/api/crd';
import type { SentimentModel } from '../../src/api/types';
import { defaultSpec } from '../../src/api/validate';
import { operatorConfig } from '../../src/config';
import { buildDeployment } from '../../src/resources/deployment';
import { buildHpa } from '../../src/resources/hpa';
import { buildPdb } from '../../src/resources/pdb';
import { buildService } from '../../src/resources/service';
import type { V1Container, V1Deployment, V1Service } from '../../src/resources/k8s-types';
import { buildServiceMonitor } from '../../src/resources/servicemonitor';
import {
  deleteNamespace,
  getOrUndefined,
  kubeconfigPath,
  kubectl,
  kubectlBinary,
  kubectlJson,
  repoRoot,
  requireCluster,
  waitFor,
} from '../support/cluster';
import { OPERATOR_PACKAGE_DIRS, serverDryRun } from '../support/kustomize';

const NAMESPACE = 'sentiment-operator-system';
const OPERATOR = 'sentiment-operator';
// The other kustomize directories under config/ are checked by static-checks.test.ts.
const DIRS = OPERATOR_PACKAGE_DIRS;
type Dir = (typeof DIRS)[number];

/**
 * What the operator calls on the API, cluster-wide: `group/resource` → verbs (the core group is '').
 * config/rbac/role.yaml must grant exactly this; when the operator needs more, both change together.
 */
const APPLY_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
const OPERATOR_PERMISSIONS: Record<string, string[]> = {
  'sentimentops.dev/sentimentmodels': ['get', 'list', 'watch', 'patch'],
  'sentimentops.dev/sentimentmodels/status': ['get', 'patch', 'update'],
  'apps/deployments': APPLY_VERBS,
  '/services': APPLY_VERBS,
  'autoscaling/horizontalpodautoscalers': APPLY_VERBS,
  'policy/poddisruptionbudgets': APPLY_VERBS,
  'monitoring.coreos.com/servicemonitors': APPLY_VERBS,
  'monitoring.coreos.com/prometheusrules': APPLY_VERBS,
  '/persistentvolumeclaims': ['get'],
  '/pods': ['get', 'list', 'watch'],
  '/events': ['create', 'patch'],
};
/** The leader-election Lease, only in the operator's namespace. */
const LEADER_ELECTION_PERMISSIONS: Record<string, string[]> = {
  'coordination.k8s.io/leases': ['get', 'create', 'update'],
};

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Subject[];
}

/** Kinds that have no namespace; every other object config/ renders belongs in NAMESPACE. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);

async function render(dir: Dir): Promise<Manifest[]> {
  const text = await kubectl(['kustomize', path.join(repoRoot, dir)]);
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir} renders invalid YAML: ${doc.errors[0].message}`);
    return doc.toJS() as Manifest;
  });
}

function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(
    found,
    `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
  );
  return found;
}

/** The operator's Deployment among `objects`, with the parts these tests read made non-optional. */
function operatorDeployment(objects: Manifest[]) {
  const deployment = find(objects, 'Deployment', OPERATOR) as unknown as V1Deployment;
  const spec = deployment.spec;
  const pod = spec?.template.spec;
  assert.ok(spec && pod, 'the Deployment has a pod template');
  assert.equal(pod.containers.length, 1, 'one container');
  return { deployment, spec, pod, container: pod.containers[0] as V1Container };
}

/** Rules as a map `group/resource` → sorted verbs, so two rule lists compare however they are grouped. */
function permissions(rules: PolicyRule[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) (out[`${group}/${resource}`] ??= new Set()).add(verb);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(out)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, verbs]) => [key, [...verbs].sort()]),
  );
}

function sorted(table: Record<string, string[]>): Record<string, string[]> {
  return permissions(
    Object.entries(table).map(([key, verbs]) => {
      const slash = key.indexOf('/');
      return { apiGroups: [key.slice(0, slash)], resources: [key.slice(slash + 1)], verbs };
    }),
  );
}

/** `group/resource` of a kind, from the API server's discovery (so a builder's new kind needs no table here). */
async function resourceOf(apiVersion: string, kind: string): Promise<string> {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const url = group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const discovery = JSON.parse(await kubectl(['get', `--raw=${url}`])) as {
    resources: { name: string; kind: string }[];
  };
  const resource = discovery.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  assert.ok(resource, `the API server does not serve ${kind} in ${apiVersion}`);
  return `${group}/${resource.name}`;
}

/** Runs make in the repository root against the local cluster; resolves with its output, rejects on failure. */
function make(targets: string[], options: { dryRun?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'make',
      ['--no-print-directory', ...(options.dryRun ? ['-n'] : []), ...targets],
      {
        cwd: repoRoot,
        timeout: 120_000,
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBECTL: kubectlBinary },
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`make ${targets.join(' ')} failed: ${stderr || stdout}`)) : resolve(stdout),
    );
  });
}

describe('the config/ packaging', function () {
  this.timeout(120_000);
  const rendered = {} as Record<Dir, Manifest[]>;
  let createdNamespace = false;

  before(async function () {
    await requireCluster();
    for (const dir of DIRS) rendered[dir] = await render(dir);
    // Namespaced objects can only be dry-run into a namespace that exists: create it for real, from
    // config/manager, unless someone else's deployment already has it (then leave it alone afterwards).
    await waitFor(
      async () =>
        (await getOrUndefined<{ status?: { phase?: string } }>('namespace', NAMESPACE))?.status?.phase !==
        'Terminating',
      { what: `namespace ${NAMESPACE} to finish terminating` },
    );
    createdNamespace = (await getOrUndefined('namespace', NAMESPACE)) === undefined;
    if (createdNamespace) {
      await kubectl(['create', '-f', '-'], {
        input: JSON.stringify(find(rendered['config/manager'], 'Namespace', NAMESPACE)),
      });
    }
  });

  after(async () => {
    if (createdNamespace) await deleteNamespace(NAMESPACE);
  });

  for (const dir of DIRS) {
    it(`${dir}: every rendered object passes a server-side dry run, without warnings`, async () => {
      const objects = rendered[dir];
      assert.ok(objects.length > 0, `${dir} renders nothing`);
      // The API server's warnings (Pod Security among them) go to kubectl's standard error.
      const stderr = await serverDryRun(objects);
      assert.doesNotMatch(stderr, /warning/i, stderr);
    });
  }

  describe('config/crd', () => {
    it('holds the CRD that operator/src/api/crd.ts builds', () => {
      assert.deepEqual(rendered['config/crd'], [JSON.parse(JSON.stringify(buildCrd()))]);
    });
  });

  describe('config/default', () => {
    const kinds = (dir: Dir): string[] => rendered[dir].map((o) => `${o.kind}/${o.metadata.name}`).sort();

    it('is config/crd, config/rbac and config/manager together', () => {
      assert.deepEqual(
        kinds('config/default'),
        [...kinds('config/crd'), ...kinds('config/rbac'), ...kinds('config/manager')].sort(),
      );
    });

    it(`puts every namespaced object in ${NAMESPACE}`, () => {
      const elsewhere = rendered['config/default']
        .filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== NAMESPACE)
        .map((o) => `${o.kind}/${o.metadata.name} in ${String(o.metadata.namespace)}`);
      assert.deepEqual(elsewhere, []);
    });

    it("binds both roles to the Deployment's service account, in the Deployment's namespace", () => {
      const objects = rendered['config/default'];
      const { namespace } = find(objects, 'Deployment', OPERATOR).metadata;
      const account = find(
        objects,
        'ServiceAccount',
        String(operatorDeployment(objects).pod.serviceAccountName),
      );
      const subject: Subject = { kind: 'ServiceAccount', name: account.metadata.name, namespace };
      assert.equal(account.metadata.namespace, namespace);
      for (const [bindingKind, roleKind] of [
        ['ClusterRoleBinding', 'ClusterRole'],
        ['RoleBinding', 'Role'],
      ]) {
        const bindings = objects.filter((o) => o.kind === bindingKind);
        assert.equal(bindings.length, 1, `one ${bindingKind}`);
        assert.deepEqual(bindings[0].subjects, [subject], `${bindingKind} ${bindings[0].metadata.name}`);
        assert.equal(bindings[0].roleRef?.kind, roleKind);
        find(objects, roleKind, bindings[0].roleRef!.name);
      }
    });
  });

  describe('config/rbac', () => {
    const clusterRole = (): Manifest => find(rendered['config/rbac'], 'ClusterRole', OPERATOR);

    it('gives the operator no wildcard, no secrets and no non-resource URLs', () => {
      for (const rule of clusterRole().rules ?? []) {
        for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]) {
          assert.ok(!value.includes('*'), `wildcard in ${JSON.stringify(rule)}`);
        }
        assert.ok(!rule.resources?.some((r) => r.split('/')[0] === 'secrets'), JSON.stringify(rule));
        assert.equal(rule.nonResourceURLs, undefined, JSON.stringify(rule));
        assert.equal(rule.resourceNames, undefined, JSON.stringify(rule));
      }
    });

    it('gives the operator exactly what it calls, cluster-wide', () => {
      assert.deepEqual(permissions(clusterRole().rules ?? []), sorted(OPERATOR_PERMISSIONS));
    });

    it('lets the operator apply and delete every kind of child the builders make', async () => {
      const sm: SentimentModel = {
        apiVersion: 'sentimentops.dev/v1alpha1',
        kind: 'SentimentModel',
        metadata: { name: 'all-children', namespace: 'default', uid: '00000000-0000-0000-0000-000000000000' },
        spec: defaultSpec({
          model: { uri: 'file:///models/imdb.onnx' },
          replicas: 2,
          autoscaling: { enabled: true, minReplicas: 2, targetRequestsPerSecond: 5 },
        }),
      };
      const config = operatorConfig();
      const children = [buildDeployment, buildService, buildHpa, buildServiceMonitor, buildPdb].map((build) =>
        build(sm, config),
      );
      const granted = permissions(clusterRole().rules ?? []);
      for (const child of children) {
        assert.ok(child, 'every builder makes a child for this spec');
        const resource = await resourceOf(child.apiVersion!, child.kind!);
        assert.deepEqual(granted[resource], [...APPLY_VERBS].sort(), `verbs on ${resource}`);
      }
    });

    it('gives the operator leases only in its own namespace, and nothing else there', () => {
      const objects = rendered['config/rbac'];
      const roles = objects.filter((o) => o.kind === 'Role');
      assert.deepEqual(
        roles.map((r) => r.metadata.namespace),
        [NAMESPACE],
      );
      assert.deepEqual(permissions(roles[0].rules ?? []), sorted(LEADER_ELECTION_PERMISSIONS));
      const clusterWide = permissions(clusterRole().rules ?? []);
      assert.equal(clusterWide['coordination.k8s.io/leases'], undefined);
    });

    it('aggregates read access into view and write access into edit', () => {
      const objects = rendered['config/rbac'];
      const viewer = find(objects, 'ClusterRole', 'sentimentmodel-viewer-role');
      const editor = find(objects, 'ClusterRole', 'sentimentmodel-editor-role');
      assert.equal(viewer.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
      assert.equal(editor.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
      assert.deepEqual(permissions(viewer.rules ?? []), {
        'sentimentops.dev/sentimentmodels': ['get', 'list', 'watch'],
        'sentimentops.dev/sentimentmodels/scale': ['get'],
        'sentimentops.dev/sentimentmodels/status': ['get'],
      });
      assert.deepEqual(permissions(editor.rules ?? []), {
        'sentimentops.dev/sentimentmodels': ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        'sentimentops.dev/sentimentmodels/scale': ['get', 'patch', 'update'],
        'sentimentops.dev/sentimentmodels/status': ['get'],
      });
    });
  });

  describe('config/manager', () => {
    const operator = () => operatorDeployment(rendered['config/manager']);

    it('runs one replica of the operator image under its service account', () => {
      const { deployment, spec, pod, container: c } = operator();
      assert.deepEqual(deployment.metadata?.labels, {
        'app.kubernetes.io/name': OPERATOR,
        'app.kubernetes.io/component': 'controller',
      });
      assert.equal(spec.replicas, 1);
      assert.equal(pod.serviceAccountName, OPERATOR);
      assert.equal(pod.terminationGracePeriodSeconds, 30);
      assert.equal(c.image, 'ghcr.io/sentimentops/sentiment-operator:0.1.0');
      assert.deepEqual(c.command, ['node', 'operator/dist/src/main.js']);
      assert.deepEqual(c.args, ['--leader-elect=true', '--metrics-port=8081']);
      assert.deepEqual(c.env, [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ]);
    });

    it('probes /healthz and /readyz on the metrics port', () => {
      const c = operator().container;
      assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 8081, protocol: 'TCP' }]);
      assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
      assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
    });

    it('requests 100m and 128Mi and is limited to 256Mi', () => {
      assert.deepEqual(operator().container.resources, {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { memory: '256Mi' },
      });
    });

    it('runs as a non-root user with no privileges and a read-only root filesystem', () => {
      assert.deepEqual(operator().pod.securityContext, {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.deepEqual(operator().container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    });

    it('enforces the restricted Pod Security Standard in its namespace', () => {
      const labels = find(rendered['config/manager'], 'Namespace', NAMESPACE).metadata.labels;
      assert.equal(labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      assert.equal(labels?.['pod-security.kubernetes.io/warn'], 'restricted');
    });

    it("exposes the metrics port through sentiment-operator-metrics, selecting the operator's pods", () => {
      const service = find(
        rendered['config/manager'],
        'Service',
        'sentiment-operator-metrics',
      ) as unknown as V1Service;
      const { spec } = operator();
      assert.deepEqual(service.spec?.ports, [
        { name: 'metrics', port: 8081, targetPort: 'metrics', protocol: 'TCP' },
      ]);
      assert.deepEqual(service.spec?.selector, spec.selector.matchLabels);
      assert.equal(service.metadata?.labels?.['app.kubernetes.io/name'], OPERATOR);
      const podLabels = spec.template.metadata?.labels ?? {};
      for (const [key, value] of Object.entries(service.spec?.selector ?? {})) {
        assert.equal(podLabels[key], value, key);
      }
    });
  });

  describe('make', () => {
    it('install applies the CRDs and waits until they are Established, again and again', async () => {
      for (let run = 0; run < 2; run++) {
        const out = await make(['install']);
        assert.match(out, /sentimentmodels\.sentimentops\.dev serverside-applied/);
        assert.match(out, /sentimentmodels\.sentimentops\.dev condition met/);
      }
      const crd = await kubectlJson<{ status: { conditions: { type: string; status: string }[] } }>([
        'get',
        'crd',
        'sentimentmodels.sentimentops.dev',
      ]);
      assert.ok(crd.status.conditions.some((c) => c.type === 'Established' && c.status === 'True'));
    });

    it('uninstall, deploy and undeploy act on config/crd and config/default (checked with make -n)', async () => {
      const out = await make(['uninstall', 'deploy', 'undeploy'], { dryRun: true });
      assert.deepEqual(out.trim().split('\n'), [
        `${kubectlBinary} delete -k config/crd --ignore-not-found`,
        `${kubectlBinary} apply --server-side --force-conflicts -k config/default`,
        `${kubectlBinary} delete -k config/default --ignore-not-found`,
      ]);
    });

    it('help lists install, uninstall, run, deploy and undeploy', async () => {
      // eslint-disable-next-line no-control-regex -- the colours help prints
      const help = (await make(['help'])).replace(/\x1b\[[0-9;]*m/g, '');
      for (const target of ['install', 'uninstall', 'run', 'deploy', 'undeploy']) {
        assert.match(help, new RegExp(`^ +${target} +\\S`, 'm'), target);
      }
    });
  });
});
