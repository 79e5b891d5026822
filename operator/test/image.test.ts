// What the operator image contains: the files its Dockerfile copies from the build context, read
// statically (no Docker engine runs here). Demo, benchmark and test code live in hack/tools and
// operator/test, and must stay out of the image.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { allowedByDockerignore, parseDockerfile } from './support/dockerfile';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every file under `relative` (a file or a directory), as paths relative to the repository root. */
function filesUnder(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full).flatMap((entry) => filesUnder(path.posix.join(relative, entry)));
}

/** The files of the build context that `dockerfile` copies into any stage, as .dockerignore lets them in. */
function copiedFiles(dockerfile: string): string[] {
  const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
  const stages = parseDockerfile(readFileSync(path.join(ROOT, dockerfile), 'utf8'));
  return stages
    .flatMap((s) => s.copies)
    .filter((c) => c.from === undefined)
    .flatMap((c) => c.sources)
    .flatMap(filesUnder)
    .filter((file) => allowedByDockerignore(dockerignore, file));
}

const DEV_ONLY = /(^|\/)(demo|bench|test|hack)(\/|$)|\.test\.ts$/;

describe('the operator image', () => {
  const files = copiedFiles('operator/Dockerfile');

  it('is built from the operator sources, main.ts among them', () => {
    assert.ok(files.includes('operator/src/main.ts'), files.join('\n'));
    assert.ok(files.includes('package-lock.json'));
  });

  it('copies no demo, benchmark or test code', () => {
    assert.deepEqual(
      files.filter((file) => DEV_ONLY.test(file)),
      [],
    );
  });

  it('would flag the tools workspace if the Dockerfile copied it', () => {
    assert.ok(existsSync(path.join(ROOT, 'hack', 'tools', 'src', 'bench')));
    assert.ok(filesUnder('hack/tools/src').every((file) => DEV_ONLY.test(file)));
  });
});
