// The kustomize directories under config/, rendered with `kubectl kustomize`, and a server-side dry run
// of what they render against the local control plane. packaging.test.ts checks the operator's own
// packaging in depth; static-checks.test.ts checks every other directory.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeconfigPath, kubectl, kubectlBinary } from './cluster';

/** The operator's packaging (CRD, RBAC, Deployment, all three), dry-run and inspected by packaging.test.ts. */
export const OPERATOR_PACKAGE_DIRS = [
  'config/crd',
  'config/rbac',
  'config/manager',
  'config/default',
] as const;

/** The file names kustomize accepts for a kustomization. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Every directory under `root`/config that holds a kustomization, relative to `root`, sorted. */
export function kustomizationDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (KUSTOMIZATION_FILES.some((name) => existsSync(path.join(dir, name)))) {
      found.push(path.relative(root, dir));
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
    }
  };
  walk(path.join(root, 'config'));
  return found.sort();
}

/** The minimum the checks read of a rendered object. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** `kubectl kustomize` of `dir` (relative to `root`), parsed; throws on a render error or invalid YAML. */
export async function renderKustomization(root: string, dir: string): Promise<RenderedObject[]> {
  const text = await kubectl(['kustomize', path.join(root, dir)]);
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir} renders invalid YAML: ${doc.errors[0].message}`);
    return doc.toJS() as RenderedObject;
  });
}

/**
 * `kubectl apply --dry-run=server --server-side` of `objects` (into `namespace` when given, for objects
 * that name none). Resolves with kubectl's standard error, where the API server's warnings go; rejects
 * with the server's answer when it refuses an object.
 */
export function serverDryRun(objects: readonly object[], namespace?: string): Promise<string> {
  const args = [
    '--kubeconfig',
    kubeconfigPath,
    'apply',
    '--dry-run=server',
    '--server-side',
    '--force-conflicts',
    '--field-manager=static-checks',
    ...(namespace ? ['-n', namespace] : []),
    '-f',
    '-',
  ];
  return new Promise((resolve, reject) => {
    const child = execFile(
      kubectlBinary,
      args,
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`server-side dry run failed: ${stderr || error.message}`)) : resolve(stderr),
    );
    child.stdin?.end(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  });
}
