import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIDENCE_BUCKETS, META } from '../src/contract';
import { OnnxModel } from '../src/model/onnx-model';
import { describeModel } from '../src/model/metadata';
import { IMDB_TRAIN, TRAIN_CLI, requireFile } from './support/paths';

function runCli(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [TRAIN_CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('trainer CLI', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'train-cli-'));

  const cases: [string, string | null, RegExp][] = [
    ['a malformed JSON line', '{"text":"ok","label":1}\n{"text":', /bad\.jsonl:2: malformed JSON/],
    ['a missing text', '{"label":1}\n', /bad\.jsonl:1: missing field "text"/],
    ['a missing label', '{"text":"fine"}\n', /bad\.jsonl:1: missing field "label"/],
    [
      'a label other than 0/1',
      '{"text":"a","label":1}\n{"text":"b","label":-1}\n',
      /bad\.jsonl:2: field "label" must be 0 or 1, got -1/,
    ],
    ['an empty file', '', /bad\.jsonl: no rows/],
    ['a missing file', null, /bad\.jsonl: cannot read \(ENOENT\)/],
  ];
  for (const [what, content, re] of cases) {
    it(`exits non-zero on ${what}, names it, and writes no model`, () => {
      const sub = mkdtempSync(join(dir, 'case-'));
      const data = join(sub, 'bad.jsonl');
      if (content !== null) writeFileSync(data, content);
      const out = join(sub, 'out', 'model.onnx');
      const r = runCli(['train', '--data', data, '--out', out]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(existsSync(out), false);
      assert.deepEqual(readdirSync(sub).sort(), content === null ? [] : ['bad.jsonl']);
    });
  }

  it('trains a small model deterministically, with the metadata contract, measured through onnxruntime', async () => {
    const rows = readFileSync(requireFile(IMDB_TRAIN, 'set SHARED_DIR to the shared data'), 'utf8').split(
      '\n',
    );
    // both classes: the file holds positives first, then negatives
    const small = [...rows.slice(0, 600), ...rows.slice(12_500, 13_100)].join('\n');
    const data = join(dir, 'small.jsonl');
    writeFileSync(data, small);
    const grid = JSON.stringify([{ minDf: 2, maxFeatures: 50_000, nbAlpha: 1, l2: 1e-4 }]);
    const outs = ['a.onnx', 'b.onnx'].map((f) => join(dir, f));
    for (const out of outs) {
      const r = runCli([
        'train',
        '--data',
        data,
        '--test',
        data,
        '--out',
        out,
        '--grid',
        grid,
        '--max-iterations',
        '60',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /pass 0: loss 0\.69315/);
    }
    const [a, b] = outs.map((f) => readFileSync(f));
    assert.ok(a.equals(b), 'two runs on the same data and seed must give the same bytes');

    const meta = describeModel(a).metadata;
    assert.deepEqual(meta.labels, ['negative', 'positive']);
    assert.match(meta.version, /^nblr-[0-9a-f]{12}$/);
    assert.deepEqual(meta.baselines.confidence!.edges, [...CONFIDENCE_BUCKETS]);
    assert.equal(meta.baselines.confidence!.n, 120); // 10 % of 1,200 rows held out
    for (const signal of ['confidence', 'inputTokens', 'unknownTokens'] as const) {
      assert.equal(meta.baselines[signal]!.ratios.at(-1), 1, signal);
      assert.equal(meta.baselines[signal]!.n, 120, signal);
    }
    assert.ok(meta.hasDescriptors, 'the trainer exports the input descriptor outputs');
    assert.ok(meta.baselinePositiveRate! > 0 && meta.baselinePositiveRate! < 1);
    const training = JSON.parse(meta.raw[META.training]);
    assert.match(training.data_sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(training.hyperparameters, JSON.parse(grid)[0]);

    // the recorded metrics are what onnxruntime measures on the file
    const model = await OnnxModel.fromBytes(a);
    const test = small.split('\n').map((l) => JSON.parse(l) as { text: string; label: number });
    const p = await model.predictPositive(test.map((r) => r.text));
    await model.release();
    const correct = test.filter((r, i) => (p[i] >= 0.5 ? 1 : 0) === r.label).length;
    assert.equal(meta.metrics!.n, test.length);
    assert.ok(Math.abs(meta.metrics!.accuracy - correct / test.length) < 1e-6);
    assert.ok(meta.metrics!.auc > 0.9, `auc ${meta.metrics!.auc} on its own training data`);
  });
});
