// Measures the demo traffic through the real model server: starts `model-server serve` on the sample
// model, sends demoReviews and then shiftedTexts to /predict, and reads the drift figures off the
// server's own /metrics (the difference of the histogram counters before and after each kind), with
// the operator's PSI. These are the figures docs/drift.md ("Demo traffic") quotes.
//
//   node hack/tools/dist/src/demo/measure-traffic.js [--count 2000] [--seed 42] [--model PATH]
//
// Needs the build (`npx tsc -b`), not ../shared and not the cluster.
import path from 'node:path';
import { REPO_ROOT, predictAll, scrape, startServer } from './server-process';
import { demoReviews, shiftedTexts } from './traffic';
import { trafficFigures, type TrafficFigures } from './traffic-figures';

const MODEL_NAME = 'demo-traffic';

interface Options {
  count: number;
  seed: number;
  model: string;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    count: 2000,
    seed: 42,
    model: path.join(REPO_ROOT, 'samples', 'models', 'imdb.onnx'),
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--count' || flag === '--seed') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === '--count' ? 1 : 0))
        throw new Error(`${flag} must be a whole number, not "${value}"`);
      options[flag === '--count' ? 'count' : 'seed'] = n;
    } else if (flag === '--model') options.model = path.resolve(value);
    else throw new Error(`unknown option ${flag} (options: --count N, --seed N, --model PATH)`);
  }
  return options;
}

async function measure(url: string, texts: readonly string[]): Promise<TrafficFigures> {
  const before = await scrape(url);
  await predictAll(url, texts);
  return trafficFigures(before, await scrape(url), MODEL_NAME);
}

const words = (texts: readonly string[]): number =>
  texts.reduce((sum, t) => sum + t.split(/\s+/).filter((w) => w !== '').length, 0) / texts.length;

async function main(args: readonly string[]): Promise<void> {
  const { count, seed, model } = parseArgs(args);
  const kinds = [
    { name: `demoReviews(${count}, ${seed})`, texts: demoReviews(count, seed) },
    { name: `shiftedTexts(${count}, ${seed})`, texts: shiftedTexts(count, seed) },
  ];
  const server = await startServer(model, MODEL_NAME);
  try {
    const version = (await scrape(server.url)).find((s) => s.labels.model === MODEL_NAME)?.labels
      .model_version;
    console.log(
      `model ${path.relative(process.cwd(), model)} (version ${version ?? 'unknown'}), served at ${server.url}`,
    );
    const rows = [['traffic', 'texts', 'words/text', 'mean confidence', 'positive', 'PSI']];
    for (const kind of kinds) {
      const f = await measure(server.url, kind.texts);
      rows.push([
        kind.name,
        String(f.n),
        words(kind.texts).toFixed(0),
        f.meanConfidence.toFixed(4),
        f.positiveRate.toFixed(4),
        f.psi.toFixed(4),
      ]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows)
      console.log(
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      );
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
