// Helpers for integration tests against the local control plane (`make cluster-up`, hack/cluster.sh):
// the real kube-apiserver, etcd, kube-controller-manager, kube-scheduler and kwok fake nodes.
// Tests talk to it through `kubectl`, with the kubeconfig that `make cluster-up` writes. They never
// fall back to $KUBECONFIG, so a developer's real cluster cannot be touched by accident.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest parent folder holding hack/cluster.sh. */
export const repoRoot: string = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'hack', 'cluster.sh'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no hack/cluster.sh above ${start}`);
  }
}

/**
 * The local cluster's state folder: $TESTENV, as hack/cluster.sh reads it (a second cluster on other
 * ports lives in another one), else .testenv.
 */
export const testenvDir: string = process.env.TESTENV ?? path.join(repoRoot, '.testenv');

/** Where `make cluster-up` writes the admin kubeconfig; TEST_KUBECONFIG overrides it. */
export const kubeconfigPath: string = process.env.TEST_KUBECONFIG ?? path.join(testenvDir, 'kubeconfig');

/** $KUBECTL, else the one `make cluster-up` linked (it builds one if the machine has none), else PATH. */
export const kubectlBinary: string =
  process.env.KUBECTL ??
  (existsSync(path.join(testenvDir, 'bin', 'kubectl')) ? path.join(testenvDir, 'bin', 'kubectl') : 'kubectl');

/** The annotation kwok selects its fake nodes by; hack/cluster.sh puts it on every node it creates. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export class KubectlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`kubectl ${args.join(' ')} failed (exit ${String(exitCode)}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'KubectlError';
  }

  /** True when the server answered NotFound. */
  get notFound(): boolean {
    return /\(NotFound\)|not found/i.test(this.stderr);
  }
}

export interface KubectlOptions {
  /** Written to kubectl's standard input (for `apply -f -`). */
  input?: string;
  /** Kill kubectl after this long. Default 60 s. */
  timeoutMs?: number;
}

/** Runs kubectl against the local cluster and returns its standard output; throws KubectlError on failure. */
export function kubectl(args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const fullArgs = ['--kubeconfig', kubeconfigPath, ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlBinary,
      fullArgs,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
          const why = error.killed ? `${stderr}\n(killed after ${options.timeoutMs ?? 60_000} ms)` : stderr;
          reject(new KubectlError(args, code, stdout, why || error.message));
        } else {
          resolve(stdout);
        }
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** kubectl with `-o json`, parsed. */
export async function kubectlJson<T = unknown>(
  args: readonly string[],
  options: KubectlOptions = {},
): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'], options)) as T;
}

/** `kubectl apply --server-side` of one or more objects (given as objects or YAML/JSON text). */
export async function apply(
  manifest: object | readonly object[] | string,
  namespace?: string,
): Promise<string> {
  const input =
    typeof manifest === 'string'
      ? manifest
      : JSON.stringify(
          Array.isArray(manifest) ? { apiVersion: 'v1', kind: 'List', items: manifest } : manifest,
        );
  const ns = namespace ? ['-n', namespace] : [];
  return kubectl(['apply', '--server-side', '--field-manager=integration-test', ...ns, '-f', '-'], { input });
}

/** Fetches an object, or undefined when it does not exist. */
export async function getOrUndefined<T = unknown>(
  resource: string,
  name: string,
  namespace?: string,
): Promise<T | undefined> {
  const ns = namespace ? ['-n', namespace] : [];
  try {
    return await kubectlJson<T>(['get', resource, name, ...ns]);
  } catch (err) {
    if (err instanceof KubectlError && err.notFound) return undefined;
    throw err;
  }
}

export interface WaitOptions {
  /** Give up after this long. Default 60 s. */
  timeoutMs?: number;
  /** Pause between attempts. Default 500 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout message ("deployment x to be Available"). */
  what?: string;
}

/**
 * Calls `predicate` until it returns a value other than undefined, null or false, and returns that value.
 * A predicate that throws counts as "not yet"; on timeout the error names `what` and the last result or error.
 */
export async function waitFor<T>(
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `last result: ${String(value)}`;
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'} (${last})`,
      );
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Fails (never skips) when the local cluster is not running, saying how to start it. Call it in a
 * `before` hook of every integration suite.
 */
export async function requireCluster(): Promise<void> {
  const hint = 'The local cluster is not running: run `make cluster-up` (or `make test-integration`) first.';
  if (!existsSync(kubeconfigPath)) throw new Error(`${hint} (no kubeconfig at ${kubeconfigPath})`);
  let readyz: string;
  try {
    readyz = await kubectl(['get', '--raw=/readyz'], { timeoutMs: 15_000 });
  } catch (err) {
    throw new Error(`${hint} (${err instanceof Error ? err.message : String(err)})`);
  }
  if (readyz.trim() !== 'ok') throw new Error(`${hint} (/readyz answered ${JSON.stringify(readyz)})`);
}

/** Creates a namespace with a random suffix, for one suite's objects. */
export async function createTestNamespace(prefix = 'it'): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  await waitFor(() => getOrUndefined('serviceaccount', 'default', name), {
    what: `the default service account in namespace ${name}`,
  });
  return name;
}

/** Deletes a namespace without waiting for its finalization. */
export async function deleteNamespace(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=false']);
}

/**
 * Restarts only the kube-apiserver (etcd, the controllers, the scheduler and kwok keep running) and
 * resolves when it is ready again. `kill: true` SIGKILLs it (a crash) instead of a graceful SIGTERM.
 */
export function restartApiserver(options: { kill?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(repoRoot, 'hack', 'cluster.sh'),
      ['restart-apiserver', ...(options.kill ? ['--kill'] : [])],
      { timeout: 180_000, encoding: 'utf8' },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`restart-apiserver failed: ${stderr}`)) : resolve(),
    );
  });
}

/** The names of the kwok fake nodes. */
export async function kwokNodeNames(): Promise<string[]> {
  const nodes = await kubectlJson<{
    items: { metadata: { name: string; annotations?: Record<string, string> } }[];
  }>(['get', 'nodes']);
  return nodes.items
    .filter((n) => n.metadata.annotations?.[KWOK_NODE_ANNOTATION] === 'fake')
    .map((n) => n.metadata.name);
}

/** The ports hack/cluster.sh chose at `up` (its ports.env: APISERVER_PORT, ETCD_CLIENT_PORT, ...). */
export function clusterPorts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(path.join(testenvDir, 'ports.env'), 'utf8').split('\n')) {
    const m = /^(\w+)=(\d+)$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * Compacts etcd's history up to its current revision, through the etcd v3 API's JSON gateway on the
 * local cluster's client port (plain HTTP on loopback), as `etcdctl compact` would. A watch that
 * resumes from an older resourceVersion is then answered 410 Gone. Returns the revision.
 */
export async function compactEtcd(): Promise<number> {
  const base = `http://127.0.0.1:${clusterPorts().ETCD_CLIENT_PORT}`;
  const post = async (route: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${route}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${route}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  // Any read returns the store's current revision in its header.
  const range = await post('/v3/kv/range', {
    key: Buffer.from('/registry/namespaces/default').toString('base64'),
  });
  const revision = Number((range.header as { revision?: string }).revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
