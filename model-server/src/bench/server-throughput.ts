// HTTP benchmark of the real server process with autocannon over loopback: short texts one per
// request, IMDB reviews one per request, and batches of 32 short texts. A benchmark, not a test:
// it prints the figures for docs/benchmarks.md.
//
// The machine is shared, so beside each figure it prints the CPU the server, autocannon and every
// other process used, and first measures a reference: a plain Node http server answering constant
// JSON to the same requests, the ceiling of HTTP alone on this machine at this moment.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { IMDB_TEST, readJsonl } from '../training/dataset';
import { shortText } from './model-throughput';
import { spawnServer } from './spawn-server';

interface Scenario {
  name: string;
  bodies: string[];
  /** predictions per request */
  items: number;
}

/** A Node http server that reads the body and answers a constant prediction. */
const REFERENCE_SERVER = `
const body = JSON.stringify({ label: 'positive', confidence: 0.9, probabilities: { negative: 0.1, positive: 0.9 }, model: 'imdb', model_version: 'x' });
const s = require('node:http').createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** utime + stime of a process in seconds, threads included. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/** Busy CPU seconds of the whole machine, every process included. */
function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / 100; // all but idle and iowait
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function load(url: string, s: Scenario, connections: number, seconds: number, latencies?: number[]) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: s.bodies.map((body) => ({
          method: 'POST',
          path: '/predict',
          headers: { 'content-type': 'application/json' },
          body,
        })),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (latencies) instance.on('response', (_client, _status, _bytes, ms: number) => latencies.push(ms));
  });
}

/** Runs one scenario against a server process and returns its table row. */
async function measure(
  name: string,
  url: string,
  pid: number,
  s: Scenario,
  opts: { connections: number; seconds: number; warmup: number },
): Promise<{ row: string; bad: number }> {
  await load(url, s, opts.connections, opts.warmup);
  const latencies: number[] = [];
  const cpu0 = cpuSeconds(pid);
  const machine0 = machineCpuSeconds();
  const self0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await load(url, s, opts.connections, opts.seconds, latencies);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const serverCpu = (cpuSeconds(pid) - cpu0) / wall;
  const self = process.cpuUsage(self0);
  const benchCpu = (self.user + self.system) / 1e6 / wall;
  const others = Math.max(0, (machineCpuSeconds() - machine0) / wall - serverCpu - benchCpu);
  const sorted = Float64Array.from(latencies).sort();
  const reqs = r.requests.total / wall;
  const bad = r.errors + r.timeouts + r.non2xx;
  const cells = [
    name,
    Math.round(reqs),
    Math.round(reqs * s.items),
    percentile(sorted, 50).toFixed(1),
    percentile(sorted, 95).toFixed(1),
    percentile(sorted, 99).toFixed(1),
    serverCpu.toFixed(2),
    benchCpu.toFixed(2),
    others.toFixed(2),
    bad,
    peakRssMb(pid),
  ];
  return { row: `| ${cells.join(' | ')} |`, bad };
}

async function startReference(): Promise<{ pid: number; url: string; stop(): void }> {
  const proc = spawn(process.execPath, ['-e', REFERENCE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    createInterface({ input: proc.stdout! }).once('line', resolve),
  );
  return { pid: proc.pid!, url: `http://127.0.0.1:${port}`, stop: () => proc.kill() };
}

const avg = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'samples/models/imdb.onnx' },
      data: { type: 'string', default: IMDB_TEST },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      only: { type: 'string' },
      'no-reference': { type: 'boolean', default: false },
    },
  });
  const opts = {
    connections: Number(values.connections),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
  };
  const reviews = readJsonl(values.data!).rows.map((r) => r.text);
  const shorts = reviews.map((r) => shortText(r)).filter((t) => t.length > 0);
  const scenarios: Scenario[] = [
    {
      name: 'a: short texts, 1 per request',
      bodies: shorts.slice(0, 1000).map((text) => JSON.stringify({ text })),
      items: 1,
    },
    {
      name: 'b: IMDB reviews, 1 per request',
      bodies: reviews.slice(0, 400).map((text) => JSON.stringify({ text })),
      items: 1,
    },
    {
      name: 'c: short texts, 32 per request',
      bodies: Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({ texts: shorts.slice(i * 32, i * 32 + 32) }),
      ),
      items: 32,
    },
  ].filter((s) => !values.only || values.only.split(',').includes(s.name[0]));

  const loads = [loadavg()[0]];
  console.log(
    `node ${process.version}; load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `autocannon: ${opts.connections} connections, ${opts.seconds} s per scenario after ${opts.warmup} s warm-up\n`,
  );
  console.log(
    '| scenario | req/s | predictions/s | p50 ms | p95 ms | p99 ms | server CPU (cores) | autocannon CPU (cores) | other processes (cores) | errors / non-2xx | peak RSS MB |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  if (!values['no-reference']) {
    const ref = await startReference();
    console.log(
      (
        await measure(
          'reference: plain Node http, constant JSON, short texts',
          ref.url,
          ref.pid,
          scenarios[0],
          opts,
        )
      ).row,
    );
    ref.stop();
  }

  const server = await spawnServer({
    args: ['serve', '--model', values.model!],
    env: { HOST: '127.0.0.1', DRAIN_SECONDS: '0' },
  });
  let failed = false;
  for (const s of scenarios) {
    const { row, bad } = await measure(s.name, server.url, server.proc.pid!, s, opts);
    console.log(row);
    loads.push(loadavg()[0]);
    failed ||= bad > 0;
  }
  const ready = server.logs.find((l) => l.message === 'ready')!;
  console.log(
    `\nserver: INFERENCE_THREADS ${ready.inference_threads}, MAX_BATCH_SIZE ${ready.max_batch_size}, BATCH_WINDOW_MS ${ready.batch_window_ms}`,
  );
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const batches = /sentiment_batch_size_count\{[^}]*\} (\d+)/.exec(metrics)?.[1];
  const items = /sentiment_batch_size_sum\{[^}]*\} (\d+)/.exec(metrics)?.[1];
  if (batches && items)
    console.log(`mean onnxruntime batch over the run: ${(Number(items) / Number(batches)).toFixed(1)} texts`);
  console.log(
    `load average (1 min) before and after each scenario: ${loads.map((x) => x.toFixed(2)).join(', ')} (mean ${avg(loads)})`,
  );
  const code = await server.stop();
  if (code !== 0 || failed) {
    console.error(`server exit code ${code}; errors seen: ${failed}`);
    process.exit(1);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
