import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CONFIDENCE_BUCKETS, META, TestMetrics } from '../src/contract';
import { OnnxModel } from '../src/model/onnx-model';
import { describeModel } from '../src/model/metadata';
import { IMDB_TRAIN, REVIEWS_TRAIN, TRAIN_CLI, requireFile } from './support/paths';

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

  it('trains on several files, holds out every domain and records accuracy per domain and on short texts', () => {
    const imdb = readFileSync(requireFile(IMDB_TRAIN, 'set SHARED_DIR to the shared data'), 'utf8').split(
      '\n',
    );
    const reviews = readFileSync(requireFile(REVIEWS_TRAIN, 'set SHARED_DIR to the shared data'), 'utf8')
      .split('\n')
      .slice(0, 1000);
    const sub = mkdtempSync(join(dir, 'multi-'));
    const a = join(sub, 'imdb', 'train.jsonl');
    mkdirSync(dirname(a));
    writeFileSync(a, [...imdb.slice(0, 200), ...imdb.slice(12_500, 12_700)].join('\n'));
    const b = join(sub, 'reviews.jsonl');
    writeFileSync(b, reviews.join('\n'));
    const out = join(sub, 'm.onnx');
    const grid = JSON.stringify([{ minDf: 2, maxFeatures: 50_000, nbAlpha: 1, nbPower: 0.5, l2: 1e-4 }]);
    const r = runCli([
      'train',
      '--data',
      `${a},${b}`,
      '--test',
      b,
      '--test',
      a,
      '--out',
      out,
      '--grid',
      grid,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /validation +dynasent +\d+ /);
    assert.match(r.stderr, /test +<= 20 words +\d+ /);

    const meta = describeModel(readFileSync(out)).metadata;
    const training = JSON.parse(meta.raw[META.training]);
    assert.equal(training.trainer, '2');
    const domains = training.domains as Record<string, number>;
    assert.deepEqual(Object.keys(domains), ['amazon', 'dynasent', 'imdb', 'product_sentences', 'tweets']);
    assert.equal(training.rows, 1400);
    // 10 % of each domain, rounded, is the validation split the baselines come from
    const held = Object.values(domains).reduce((s, n) => s + Math.round(n * 0.1), 0);
    assert.equal(meta.baselines.confidence!.n, held);
    assert.equal(training.calibration.shift, 0);

    const metrics = meta.metrics as TestMetrics;
    assert.equal(metrics.n, 1400);
    assert.deepEqual(Object.keys(metrics.domains!), Object.keys(domains));
    assert.equal(metrics.domains!.imdb.n, 400);
    assert.equal(metrics.short!.max_words, 20);
    assert.ok(metrics.short!.n > 0 && metrics.short!.actual_positive_rate > 0);
  });
});
