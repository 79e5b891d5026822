// `train` and `eval` commands behind `make model` and `make eval`.
import { parseArgs } from 'node:util';
import { OnnxModel } from '../model/onnx-model';
import { DatasetError, IMDB_TEST, IMDB_TRAIN, readJsonl } from './dataset';
import { classificationMetrics } from './metrics';
import { HyperParameters, predictAll, train } from './train';

/** Chosen on the validation split; see docs/model.md for the search that led here. */
export const DEFAULT_GRID: HyperParameters[] = [1e-6, 3e-7, 1e-7].map((l2) => ({
  minDf: 2,
  maxFeatures: 1_000_000,
  nbAlpha: 1,
  l2,
}));

const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

async function runTrain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: process.env.TRAIN_DATA ?? IMDB_TRAIN },
      test: { type: 'string', default: process.env.TEST_DATA },
      out: { type: 'string', default: 'samples/models/imdb.onnx' },
      seed: { type: 'string', default: '42' },
      'validation-fraction': { type: 'string', default: '0.1' },
      'max-iterations': { type: 'string', default: '300' },
      grid: { type: 'string' },
      version: { type: 'string' },
    },
  });
  const grid = values.grid ? (JSON.parse(values.grid) as HyperParameters[]) : DEFAULT_GRID;
  await train({
    trainPath: values.data!,
    testPath: values.test,
    outPath: values.out!,
    seed: Number(values.seed),
    validationFraction: Number(values['validation-fraction']),
    maxIterations: Number(values['max-iterations']),
    grid,
    version: values.version,
    log,
  });
}

async function runEval(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'samples/models/imdb.onnx' },
      data: { type: 'string', default: IMDB_TEST },
      batch: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
    },
  });
  const { rows } = readJsonl(values.data!);
  const model = await OnnxModel.load(values.model!, { threads: Number(values.threads) });
  const texts = rows.map((r) => r.text);
  await predictAll(model, texts.slice(0, 256), Number(values.batch)); // warm-up
  const t0 = process.hrtime.bigint();
  const p = await predictAll(model, texts, Number(values.batch));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = classificationMetrics(
    p,
    rows.map((r) => r.label),
  );
  const f = (x: number): string => x.toFixed(4);
  console.log(`model      ${values.model} (version ${model.version})`);
  console.log(`data       ${values.data} (${m.n} reviews)`);
  console.log(`accuracy   ${f(m.accuracy)}`);
  console.log(`precision  ${f(m.precision)}`);
  console.log(`recall     ${f(m.recall)}`);
  console.log(`f1         ${f(m.f1)}`);
  console.log(`auc        ${f(m.auc)}`);
  console.log(
    `throughput ${Math.round(m.n / seconds)} reviews/s (batch ${values.batch}, ${values.threads} thread)`,
  );
  await model.release();
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'train') return runTrain(rest);
  if (cmd === 'eval') return runEval(rest);
  throw new DatasetError(`usage: cli.js train|eval [options] (got ${cmd ?? 'nothing'})`);
}

main().catch((err: Error) => {
  log(err instanceof DatasetError ? `error: ${err.message}` : `error: ${err.stack ?? err.message}`);
  process.exit(1);
});
