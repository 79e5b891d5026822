// The training pipeline: read, split, featurize, choose hyper-parameters on the validation split,
// fit, export, then measure the exported file through onnxruntime and write it atomically.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LABELS, META, isPositive } from '../contract';
import { OnnxModel } from '../model/onnx-model';
import { Example, readJsonl, split } from './dataset';
import { Vocabulary, buildVocabulary, encode, nbRatios, textGrams } from './features';
import { FittedModel, fit, predict } from './logreg';
import { baselineMetadata, inferAll } from './baselines';
import { classificationMetrics } from './metrics';
import { LinearTextModel, exportOnnx } from './onnx-graph';

export const TRAINER_VERSION = '1';

export interface HyperParameters {
  minDf: number;
  maxFeatures: number;
  /** NB smoothing; 0 turns the NB scaling off (plain binary features) */
  nbAlpha: number;
  l2: number;
}

export interface TrainOptions {
  trainPath: string;
  testPath?: string;
  outPath: string;
  seed: number;
  validationFraction: number;
  grid: HyperParameters[];
  maxIterations: number;
  version?: string;
  log: (msg: string) => void;
}

export interface TrainResult {
  chosen: HyperParameters;
  validationAccuracy: number;
  metrics?: ReturnType<typeof classificationMetrics>;
  bytes: number;
  vocabularySize: number;
}

interface Featurized {
  vocab: Vocabulary;
  train: Int32Array[];
  validation: Int32Array[];
}

export function toLinearModel(vocab: Vocabulary, scale: Float64Array, fitted: FittedModel): LinearTextModel {
  const weights = new Float64Array(vocab.terms.length);
  for (let j = 1; j <= vocab.terms.length; j++) weights[j - 1] = fitted.theta[j] * scale[j];
  return { vocabulary: vocab.terms, weights, bias: fitted.theta[0] };
}

function nbScale(docs: Int32Array[], labels: number[], size: number, alpha: number): Float64Array {
  return alpha > 0 ? nbRatios(docs, labels, size, alpha) : new Float64Array(size + 1).fill(1);
}

/** Fits one configuration on the training split and scores it on the validation split. */
export function fitConfiguration(
  f: Featurized,
  trainLabels: number[],
  valLabels: number[],
  hp: HyperParameters,
  maxIterations: number,
  log: (msg: string) => void,
): { model: LinearTextModel; accuracy: number; fitted: FittedModel; scale: Float64Array } {
  const size = f.vocab.terms.length;
  const scale = nbScale(f.train, trainLabels, size, hp.nbAlpha);
  const t0 = Date.now();
  const fitted = fit({ docs: f.train, labels: trainLabels, scale }, size, {
    l2: hp.l2,
    maxIterations,
    tolerance: 1e-3,
    onProgress: ({ iteration, loss, gradNorm }) => {
      if (iteration % 25 === 0) {
        log(
          `    pass ${iteration}: loss ${loss.toFixed(5)} |grad| ${gradNorm.toExponential(2)} (${secs(t0)})`,
        );
      }
    },
  });
  let correct = 0;
  for (let i = 0; i < f.validation.length; i++) {
    if ((isPositive(predict(fitted.theta, scale, f.validation[i])) ? 1 : 0) === valLabels[i]) correct++;
  }
  return {
    model: toLinearModel(f.vocab, scale, fitted),
    accuracy: correct / f.validation.length,
    fitted,
    scale,
  };
}

const secs = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

function featurize(train: Example[], validation: Example[], minDf: number, maxFeatures: number): Featurized {
  const trainGrams = train.map((e) => textGrams(e.text));
  const vocab = buildVocabulary(trainGrams, minDf, maxFeatures);
  return {
    vocab,
    train: trainGrams.map((g) => encode(g, vocab)),
    validation: validation.map((e) => encode(textGrams(e.text), vocab)),
  };
}

export function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { log } = opts;
  const t0 = Date.now();
  // every input is read and checked before any work, so a bad file never costs a training run
  const { rows, bytes: dataBytes } = readJsonl(opts.trainPath);
  const test = opts.testPath ? readJsonl(opts.testPath).rows : undefined;
  const dataSha256 = createHash('sha256').update(dataBytes).digest('hex');
  const { train: trainRows, validation: valRows } = split(rows, opts.validationFraction, opts.seed);
  log(
    `read ${rows.length} rows (sha256 ${dataSha256.slice(0, 12)}): ${trainRows.length} train, ${valRows.length} validation (${secs(t0)})`,
  );
  const trainLabels = trainRows.map((e) => e.label);
  const valLabels = valRows.map((e) => e.label);

  let best: { hp: HyperParameters; accuracy: number; model: LinearTextModel } | undefined;
  const cache = new Map<string, Featurized>();
  for (const hp of opts.grid) {
    const key = `${hp.minDf}/${hp.maxFeatures}`;
    let f = cache.get(key);
    if (!f) {
      cache.clear(); // one vocabulary at a time keeps memory flat
      f = featurize(trainRows, valRows, hp.minDf, hp.maxFeatures);
      cache.set(key, f);
      log(`  vocabulary minDf=${hp.minDf}: ${f.vocab.terms.length} n-grams (${secs(t0)})`);
    }
    log(`  fitting ${JSON.stringify(hp)}`);
    const r = fitConfiguration(f, trainLabels, valLabels, hp, opts.maxIterations, log);
    log(
      `  -> validation accuracy ${r.accuracy.toFixed(4)} after ${r.fitted.iterations} passes (${secs(t0)})`,
    );
    if (!best || r.accuracy > best.accuracy) best = { hp, accuracy: r.accuracy, model: r.model };
  }
  if (!best) throw new Error('the hyper-parameter grid is empty');
  log(`chose ${JSON.stringify(best.hp)} with validation accuracy ${best.accuracy.toFixed(4)}`);

  const training = {
    trainer: TRAINER_VERSION,
    data_sha256: dataSha256,
    rows: rows.length,
    validation_fraction: opts.validationFraction,
    seed: opts.seed,
    features: 'binary word uni+bigrams, NB log-count ratio scaled, L2-normalized presence',
    classifier: 'logistic regression (L-BFGS)',
    hyperparameters: best.hp,
    vocabulary: best.model.vocabulary.length,
    validation_accuracy: Number(best.accuracy.toFixed(6)),
  };
  const version =
    opts.version ??
    `nblr-${createHash('sha256').update(JSON.stringify(training)).digest('hex').slice(0, 12)}`;
  const metadata: Record<string, string> = {
    [META.labels]: LABELS.join(','),
    [META.version]: version,
    [META.training]: JSON.stringify(training),
  };

  // The baseline and the metrics come from the exported graph, not the in-memory model.
  const draft = exportOnnx(best.model, { producerVersion: TRAINER_VERSION, metadata });
  const onnxModel = await OnnxModel.fromBytes(draft);
  Object.assign(
    metadata,
    baselineMetadata(
      await inferAll(
        onnxModel,
        valRows.map((e) => e.text),
      ),
    ),
  );
  let metrics: TrainResult['metrics'];
  if (test) {
    const t1 = Date.now();
    const testP = await predictAll(
      onnxModel,
      test.map((e) => e.text),
    );
    metrics = classificationMetrics(
      testP,
      test.map((e) => e.label),
    );
    metadata[META.metrics] = JSON.stringify(metrics);
    log(`test set through onnxruntime: ${JSON.stringify(metrics)} (${secs(t1)})`);
  }
  await onnxModel.release();

  const final = exportOnnx(best.model, { producerVersion: TRAINER_VERSION, metadata });
  writeAtomically(opts.outPath, final);
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
  log(
    `wrote ${opts.outPath} (${(final.length / 1e6).toFixed(1)} MB, version ${version}) in ${secs(t0)}, peak RSS ${peakMb} MB`,
  );
  return {
    chosen: best.hp,
    validationAccuracy: best.accuracy,
    metrics,
    bytes: final.length,
    vocabularySize: best.model.vocabulary.length,
  };
}

export async function predictAll(
  model: OnnxModel,
  texts: readonly string[],
  batch = 256,
): Promise<Float32Array> {
  const out = new Float32Array(texts.length);
  for (let i = 0; i < texts.length; i += batch) {
    out.set(await model.predictPositive(texts.slice(i, i + batch)), i);
  }
  return out;
}
