// Runs Prometheus' own promtool on the alert rules: `check rules` on the static file, on the
// per-model fixture and on fresh per-model renderings; `test rules` on every rule-test file under
// config/prometheus/tests. promtool comes with Debian's `prometheus` package (make system-deps).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ALERT_RULES_FILE, SAMPLE_RULES_FILE } from '../../src/alerts/manifests';
import { type AlertScope, alertRuleGroups } from '../../src/alerts/rules';
import { repoRoot } from '../support/cluster';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const TESTS_DIR = path.join(repoRoot, 'config', 'prometheus', 'tests');

interface Run {
  code: number;
  output: string;
}

function promtool(args: string[], cwd = repoRoot): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new Error(
            `${PROMTOOL} not found: install promtool with \`make system-deps\` (Debian package \`prometheus\`), ` +
              'or point PROMTOOL at it',
          ),
        );
        return;
      }
      resolve({ code: err ? Number(err.code ?? 1) : 0, output });
    });
  });
}

async function assertPasses(args: string[], cwd?: string): Promise<void> {
  const run = await promtool(args, cwd);
  assert.equal(run.code, 0, `promtool ${args.join(' ')} failed:\n${run.output}`);
}

describe('the alert rules under promtool', function () {
  this.timeout(30_000);
  let scratch: string;

  before(async () => {
    await promtool(['--version']);
    scratch = await mkdtemp(path.join(tmpdir(), 'sentiment-alerts-'));
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('passes promtool check rules: the rules for every model', async () => {
    await assertPasses(['check', 'rules', ALERT_RULES_FILE]);
  });

  it('passes promtool check rules: the per-model fixture of samples/basic.yaml', async () => {
    await assertPasses(['check', 'rules', SAMPLE_RULES_FILE]);
  });

  it('passes promtool check rules: per-model renderings with and without a ServiceMonitor', async () => {
    const scopes: AlertScope[] = [
      { kind: 'model', namespace: 'team-a', name: 'reviews-v2', scraped: true },
      { kind: 'model', namespace: 'team-a', name: 'reviews-v2', scraped: false },
    ];
    const files: string[] = [];
    for (const [i, scope] of scopes.entries()) {
      const file = path.join(scratch, `model-${i}.rules.yaml`);
      await writeFile(file, stringify({ groups: alertRuleGroups(scope, { latencyThresholdSeconds: 1.5 }) }));
      files.push(file);
    }
    await assertPasses(['check', 'rules', ...files]);
  });

  it('fails promtool check rules on a broken expression (the check can fail)', async () => {
    const file = path.join(scratch, 'broken.rules.yaml');
    const [group] = alertRuleGroups({ kind: 'all' }, { latencyThresholdSeconds: 0.25 });
    const broken = { ...group, rules: [{ ...group.rules[0], expr: `${group.rules[0].expr} and (` }] };
    await writeFile(file, stringify({ groups: [broken] }));
    const run = await promtool(['check', 'rules', file]);
    assert.notEqual(run.code, 0, run.output);
  });

  describe('promtool test rules', () => {
    const testFiles = readdirSync(TESTS_DIR)
      .filter((f) => f.endsWith('.test.yaml'))
      .sort();

    it('has rule tests for every model at once and for one model', () => {
      for (const file of ['sentiment-model-alerts.test.yaml', 'imdb.test.yaml'])
        assert.ok(testFiles.includes(file), file);
    });

    for (const file of testFiles) {
      it(`passes ${file}`, async () => {
        await assertPasses(['test', 'rules', file], TESTS_DIR);
      });
    }
  });
});
