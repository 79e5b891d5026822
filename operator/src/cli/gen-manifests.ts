// Writes the files generated from the schema: the CRD (in crds/ and config/crd/bases/) and
// docs/crd-reference.md; from alerts/rules.ts, the alert rules under config/prometheus/; and from
// dashboards/sentiment-model.json, the Grafana dashboard ConfigMap under config/grafana/.
// Usage: node operator/dist/src/cli/gen-manifests.js [--check]
//   --check  exit 1 (and name the files) when a committed file differs from what would be generated.
// The output goes through Prettier with the repository's settings, so `prettier --check` agrees.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { alertManifests } from '../alerts/manifests';
import { CRD_FILE, crdYaml } from '../api/crd';
import { REFERENCE_FILE, referenceMarkdown } from '../api/reference';
import { dashboardManifests } from '../dashboards/manifests';

/** kustomize reads only files below its kustomization, so config/crd holds its own copy of the CRD. */
export const KUSTOMIZE_CRD_FILE = `config/crd/bases/${path.basename(CRD_FILE)}`;

export interface GeneratedFile {
  /** relative to the repository root */
  path: string;
  text: string;
}

/** Every generated file, formatted as Prettier formats it. */
export async function generatedFiles(repoRoot: string): Promise<GeneratedFile[]> {
  // Prettier is a development tool: loaded only here, never by the operator itself.
  const prettier = await import('prettier');
  const format = async (file: string, text: string): Promise<GeneratedFile> => {
    const absolute = path.join(repoRoot, file);
    const options = (await prettier.resolveConfig(absolute)) ?? {};
    return { path: file, text: await prettier.format(text, { ...options, filepath: absolute }) };
  };
  return Promise.all([
    format(CRD_FILE, crdYaml()),
    format(KUSTOMIZE_CRD_FILE, crdYaml()),
    format(REFERENCE_FILE, referenceMarkdown()),
    ...(await alertManifests(repoRoot)).map((f) => format(f.path, f.text)),
    ...(await dashboardManifests(repoRoot)).map((f) => format(f.path, f.text)),
  ]);
}

async function main(argv: string[]): Promise<void> {
  const check = argv.includes('--check');
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  let stale = 0;
  for (const file of await generatedFiles(root)) {
    const target = path.join(root, file.path);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.text) continue;
    if (check) {
      console.error(`${file.path} is stale; run make manifests`);
      stale++;
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.text);
      console.log(`wrote ${file.path}`);
    }
  }
  if (stale > 0) process.exitCode = 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
