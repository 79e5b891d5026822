// `train` and `eval` commands behind `make model` and `make eval`.
import { parseArgs } from 'node:util';
import { OnnxModel } from '../model/onnx-model';
import { CALIBRATION_MODES, CalibrationMode } from './calibration';
import { DatasetError, IMDB_TEST, IMDB_TRAIN, fileList, readDatasets } from './dataset';
import { evaluate, formatMetrics } from './report';
import { HyperParameters, predictAll, train } from './train';

/**
 * Chosen on the validation split (mean accuracy over its domains); see docs/model.md for the search
 * that led here. The second entry is the method of trainer 1 (full NB ratios), kept as the check
 * that the softened ratios still win on the data at hand.
 */
export const DEFAULT_GRID: HyperParameters[] = [0.5, 1].map((nbPower) => ({
  minDf: 2,
  maxFeatures: 1_000_000,
  nbAlpha: 1,
  nbPower,
  l2: 1e-6,
}));

const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

function calibrationMode(v: string): CalibrationMode {
  if (!(CALIBRATION_MODES as readonly string[]).includes(v)) {
    throw new DatasetError(`--calibration must be one of ${CALIBRATION_MODES.join(', ')}, got ${v}`);
  }
  return v as CalibrationMode;
}

/** `--domain-weight tweets=2,dynasent=2`: the loss weight of each named domain's rows. */
function domainWeights(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const [name, w] = item.split('=');
    if (!name || !(Number(w) > 0))
      throw new DatasetError(`--domain-weight wants domain=positive number, got ${item}`);
    out[name] = Number(w);
  }
  return out;
}

async function runTrain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', multiple: true, default: [process.env.TRAIN_DATA ?? IMDB_TRAIN] },
      test: { type: 'string', multiple: true, default: process.env.TEST_DATA ? [process.env.TEST_DATA] : [] },
      out: { type: 'string', default: 'samples/models/imdb.onnx' },
      seed: { type: 'string', default: '42' },
      'validation-fraction': { type: 'string', default: '0.1' },
      'max-iterations': { type: 'string', default: '300' },
      grid: { type: 'string' },
      calibration: { type: 'string', default: 'scale' },
      'domain-weight': { type: 'string', multiple: true, default: [] },
      version: { type: 'string' },
    },
  });
  const grid = values.grid ? (JSON.parse(values.grid) as HyperParameters[]) : DEFAULT_GRID;
  await train({
    trainPaths: fileList(values.data),
    testPaths: fileList(values.test),
    outPath: values.out!,
    seed: Number(values.seed),
    validationFraction: Number(values['validation-fraction']),
    maxIterations: Number(values['max-iterations']),
    grid,
    calibration: calibrationMode(values.calibration!),
    domainWeights: domainWeights(fileList(values['domain-weight'])),
    version: values.version,
    log,
  });
}

async function runEval(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'samples/models/imdb.onnx' },
      data: { type: 'string', multiple: true, default: [IMDB_TEST] },
      batch: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
    },
  });
  const files = fileList(values.data);
  const { rows } = readDatasets(files);
  const model = await OnnxModel.load(values.model!, { threads: Number(values.threads) });
  const texts = rows.map((r) => r.text);
  await predictAll(model, texts.slice(0, 256), Number(values.batch)); // warm-up
  const t0 = process.hrtime.bigint();
  const p = await predictAll(model, texts, Number(values.batch));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = evaluate(p, rows);
  const f = (x: number): string => x.toFixed(4);
  console.log(`model      ${values.model} (version ${model.version})`);
  console.log(`data       ${files.join(', ')} (${m.n} texts)`);
  console.log(`accuracy   ${f(m.accuracy)}`);
  console.log(`precision  ${f(m.precision)}`);
  console.log(`recall     ${f(m.recall)}`);
  console.log(`f1         ${f(m.f1)}`);
  console.log(`auc        ${f(m.auc)}`);
  console.log(
    `throughput ${Math.round(m.n / seconds)} texts/s (batch ${values.batch}, ${values.threads} thread)`,
  );
  // per domain (the row's `domain`, else the data set's name) and for short texts
  console.log('');
  for (const line of formatMetrics(m)) console.log(line);
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
