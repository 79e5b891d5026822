// Detection versus share of shifted traffic, measured through the real model server: for each kind of
// shift (operator/test/support/drift-traffic.ts) and each share, windows of texts are sent to
// /predict, and the two /metrics scrapes around each window give every signal's PSI (and the
// positive-rate difference) exactly as the operator computes them from Prometheus, with the
// verdict the operator's default thresholds and noise floor give. docs/drift.md ("Sensitivity")
// quotes its output.
//
//   node hack/tools/dist/src/bench/drift-sensitivity.js [--window 1000] [--windows 3] [--model PATH]
//
// Needs the build and ../shared (SHARED_DIR); not the cluster.
import path from 'node:path';
import { DRIFT_SIGNALS, type DriftSignal, type Sample } from '@sentiment-operator/contract';
import { defaultSpec } from '@sentiment-operator/operator/dist/src/api/validate';
import { binCount } from '@sentiment-operator/operator/dist/src/drift/bins';
import { classify } from '@sentiment-operator/operator/dist/src/drift/classify';
import { worstState } from '@sentiment-operator/operator/dist/src/drift/combine';
import { noiseFloor, proportionNoiseFloor } from '@sentiment-operator/operator/dist/src/drift/noise-floor';
import { enabledSignals, isHistogramSignal } from '@sentiment-operator/operator/dist/src/drift/signals';
import {
  inDistribution,
  mix,
  otherDomain,
  shortInputs,
} from '@sentiment-operator/operator/dist/test/support/drift-traffic';
import { signalPsi } from '../demo/traffic-figures';
import { REPO_ROOT, predictAll, scrape, startServer } from '../demo/server-process';

const MODEL_NAME = 'drift-sensitivity';
const SHARES = [0, 0.1, 0.2, 0.3, 0.4, 0.6, 1];

interface Options {
  window: number;
  windows: number;
  model: string;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    window: 1000,
    windows: 3,
    model: path.join(REPO_ROOT, 'samples', 'models', 'imdb.onnx'),
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--window' || flag === '--windows') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`${flag} must be a whole number ≥ 1, not "${value}"`);
      options[flag === '--window' ? 'window' : 'windows'] = n;
    } else if (flag === '--model') options.model = path.resolve(value);
    else throw new Error(`unknown option ${flag} (options: --window N, --windows N, --model PATH)`);
  }
  return options;
}

const ofModel = (samples: readonly Sample[], name: string): Sample[] =>
  samples.filter((s) => s.name === name && s.labels.model === MODEL_NAME);
const total = (samples: readonly Sample[], name: string, label?: string): number =>
  ofModel(samples, name)
    .filter((s) => label === undefined || s.labels.label === label)
    .reduce((sum, s) => sum + s.value, 0);

/** Every signal's score for the traffic between two scrapes, and the verdict the operator's defaults give it. */
function scores(before: Sample[], after: Sample[]): Map<DriftSignal, { score: number; state: string }> {
  const spec = defaultSpec({ model: { uri: 'file:///models/m.onnx' } }).drift;
  const out = new Map<DriftSignal, { score: number; state: string }>();
  const m = ofModel(after, 'sentiment_baseline_samples')[0]?.value ?? Infinity;
  for (const s of enabledSignals(spec)) {
    let score: number | undefined;
    let n = 0;
    let floor: number;
    if (isHistogramSignal(s.signal)) {
      const r = signalPsi(before, after, MODEL_NAME, s.signal);
      if (!r) continue;
      ({ n, psi: score } = r);
      floor = noiseFloor(n, m, binCount(s.signal));
    } else {
      const q = ofModel(after, 'sentiment_baseline_positive_rate')[0]?.value;
      if (q === undefined) continue;
      const gained = (label?: string): number =>
        total(after, 'sentiment_predictions_total', label) -
        total(before, 'sentiment_predictions_total', label);
      n = gained();
      score = Math.abs(gained('positive') / n - q);
      floor = proportionNoiseFloor(n, q, m);
    }
    const { status } = classify({
      score,
      n,
      minSamples: spec.minSamples,
      warning: s.warningThreshold,
      critical: s.criticalThreshold,
      floor,
      hasBaseline: true,
    });
    out.set(s.signal, { score, state: status });
  }
  return out;
}

async function main(args: readonly string[]): Promise<void> {
  const { window, windows, model } = parseArgs(args);
  const base = inDistribution(REPO_ROOT, window * windows);
  const shifts = [
    { name: 'short inputs (first sentence of each text)', texts: shortInputs(base.slice().reverse()) },
    { name: 'another domain (documentation prose)', texts: otherDomain(REPO_ROOT) },
  ];
  const server = await startServer(model, MODEL_NAME);
  try {
    const version = ofModel(await scrape(server.url), 'sentiment_model_info')[0]?.labels.model_version;
    console.log(
      `model ${path.relative(process.cwd(), model)} (version ${version ?? 'unknown'}); ${windows} windows of ${window} texts per share; PSI mean (max) per signal, verdict of the worst window with the operator's default thresholds`,
    );
    for (const shift of shifts) {
      console.log(`\n${shift.name}\n`);
      console.log(`| share | ${DRIFT_SIGNALS.join(' | ')} | status |`);
      console.log(`| ---: | ${DRIFT_SIGNALS.map(() => '---').join(' | ')} | --- |`);
      for (const share of SHARES) {
        const per = new Map<DriftSignal, { score: number; state: string }[]>();
        for (let w = 0; w < windows; w++) {
          const texts = mix(
            base.slice(w * window, (w + 1) * window),
            shift.texts.slice((w * window) % shift.texts.length).concat(shift.texts),
            share,
            window,
          );
          const before = await scrape(server.url);
          await predictAll(server.url, texts);
          for (const [signal, r] of scores(before, await scrape(server.url))) {
            per.set(signal, [...(per.get(signal) ?? []), r]);
          }
        }
        const states: string[] = [];
        const cells = DRIFT_SIGNALS.map((signal) => {
          const rs = per.get(signal);
          if (!rs) return 'n/a';
          const mean = rs.reduce((a, r) => a + r.score, 0) / rs.length;
          const max = Math.max(...rs.map((r) => r.score));
          const worst = worstState(rs.map((r) => r.state as never));
          states.push(worst);
          return `${mean.toFixed(3)} (${max.toFixed(3)}) ${worst}`;
        });
        console.log(
          `| ${Math.round(share * 100)} % | ${cells.join(' | ')} | ${worstState(states as never[])} |`,
        );
      }
    }
  } finally {
    await server.stop();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`drift-sensitivity: ${err.message}`);
  process.exit(1);
});
