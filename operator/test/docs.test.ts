// The README's two commands and every `make TARGET` the docs mention must exist in the Makefile, so a
// renamed target cannot leave the documentation pointing at nothing.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** Targets the Makefile defines (`name:` at the start of a line, not variable assignments). */
function makeTargets(): Set<string> {
  const targets = new Set<string>();
  for (const line of read('Makefile').split('\n')) {
    const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*)\s*:(?!=)/.exec(line);
    if (m) targets.add(m[1]);
  }
  return targets;
}

/** Targets of `make ...` commands in code: fenced blocks and inline code spans, not prose. */
function documentedTargets(markdown: string): string[] {
  const code = [
    ...[...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]),
    ...[...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]),
  ];
  const found = new Set<string>();
  for (const text of code) {
    for (const m of text.matchAll(/(?:^|[;&|$]\s*|\n\s*)make((?:[ \t]+[a-z][a-z0-9-]*(?=[ \t\n;&|]|$))+)/g)) {
      for (const word of m[1].trim().split(/\s+/)) found.add(word);
    }
  }
  return [...found];
}

describe('documentation', function () {
  const targets = makeTargets();
  const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
    f.endsWith('.md'),
  );

  it('gives exactly the two set-up commands in the README, make demo and make test', function () {
    const readme = read('README.md');
    const block = /## Two commands[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'README has a "Two commands" section with a sh block');
    const commands = block[1]
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    assert.deepEqual(commands, ['make demo', 'make test']);
    assert.ok(targets.has('demo') && targets.has('test'));
  });

  for (const file of docs) {
    it(`${file} names only make targets that exist`, function () {
      // Words after `make` that are English, not targets, in running text.
      const prose = new Set([
        'sure',
        'it',
        'the',
        'a',
        'them',
        'this',
        'that',
        'their',
        'its',
        'up',
        'no',
        'every',
      ]);
      const missing = documentedTargets(read(file)).filter((t) => !targets.has(t) && !prose.has(t));
      assert.deepEqual(missing, [], `${file} mentions make ${missing.join(', ')}`);
    });
  }
});
