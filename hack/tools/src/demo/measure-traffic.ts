// Measures the demo traffic through the real model server: starts `model-server serve` on the sample
// model, sends demoReviews and then shiftedTexts to /predict, and reads the drift figures off the
// server's own /metrics (the difference of the histogram counters before and after each kind), with
// the operator's PSI. These are the figures docs/drift.md ("Demo traffic") quotes.
//
//   node hack/tools/dist/src/demo/measure-traffic.js [--count 2000] [--seed 42] [--model PATH]
//
// Needs the build (`npx tsc -b`), not ../shared and not the cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseMetrics, type Sample } from '@sentiment-operator/contract';
import { demoReviews, shiftedTexts } from './traffic';
import { trafficFigures, type TrafficFigures } from './traffic-figures';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
const SERVER_MAIN = path.join(REPO_ROOT, 'model-server', 'dist', 'src', 'main.js');
const MODEL_NAME = 'demo-traffic';
/** Texts per request; the server's default limit per request is 256. */
const BATCH = 100;

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

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Starts the model server on a free port and resolves once it logs "ready". */
function startServer(model: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN, 'serve'], {
    env: { ...process.env, MODEL_PATH: model, MODEL_NAME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    let port: number | undefined;
    const onLine = (text: string): void => {
      output.push(text);
      let line: { message?: string; port?: unknown };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        return;
      }
      if (line.message === 'listening' && typeof line.port === 'number') port = line.port;
      if (line.message === 'ready' && port !== undefined) {
        resolve({ url: `http://127.0.0.1:${port}`, stop });
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('error', reject);
    void exited.then(() =>
      reject(new Error(`the model server exited before it was ready:\n${output.slice(-20).join('\n')}`)),
    );
  });
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

async function predictAll(url: string, texts: readonly string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += BATCH) {
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ texts: texts.slice(i, i + BATCH) }),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`POST /predict: HTTP ${res.status}: ${body.slice(0, 200)}`);
  }
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
  const server = await startServer(model);
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
