// Runs a real Prometheus (Debian's `prometheus` package, `make system-deps`) for integration tests:
// a config the test writes, a temporary TSDB, a free loopback port; and reads its HTTP API.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './free-port';
import { scrapeConfig, type ScrapeJob } from './scrape-config';

export { freePort };
import { testenvDir, waitFor } from './cluster';

export const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';

export type { ScrapeJob } from './scrape-config';

export interface Sample {
  metric: Record<string, string>;
  /** instant query: [time, value] */
  value?: [number, string];
  /** range query: [[time, value], ...] */
  values?: [number, string][];
}

export interface PrometheusProcess {
  readonly url: string;
  readonly port: number;
  /** Instant query at now. */
  query(expr: string): Promise<Sample[]>;
  /** Range query over the last `seconds`, one point per `stepSeconds`. */
  queryRange(expr: string, seconds: number, stepSeconds: number): Promise<Sample[]>;
  /** /api/v1/series: the label sets matching a selector. */
  series(selector: string): Promise<Record<string, string>[]>;
  /** SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Fails with what to run when the binary is missing. */
export function requirePrometheus(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(PROMETHEUS, ['--version'], { timeout: 10_000 }, (err) => {
      if (!err) resolve();
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        reject(
          new Error(
            `${PROMETHEUS} not found: install Prometheus with \`make system-deps\` (Debian package ` +
              '`prometheus`), or point PROMETHEUS at it',
          ),
        );
      else reject(new Error(`${PROMETHEUS} --version failed: ${err.message}`));
    });
  });
}

/**
 * Starts Prometheus with its config and TSDB under `dir` and waits until it is ready. Give the `port`
 * of an earlier run (and the same `dir`) to start it again where it was, with its data.
 */
export async function startPrometheus(
  dir: string,
  jobs: readonly ScrapeJob[],
  options: { port?: number } = {},
): Promise<PrometheusProcess> {
  await requirePrometheus();
  const port = options.port ?? (await freePort());
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, scrapeConfig(jobs));
  const logDir = path.join(testenvDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `prometheus-${port}.log`), { flags: 'a' });
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const api = async <T>(route: string, params: Record<string, string>): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${route}?${new URLSearchParams(params).toString()}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`Prometheus ${route} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    }
    log.end();
  };

  try {
    await waitFor(async () => child.exitCode === null && (await fetch(`${url}/-/ready`)).ok, {
      timeoutMs: 30_000,
      what: `Prometheus on ${url} to be ready (log: ${logDir}/prometheus-${port}.log)`,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    query: async (expr) => (await api<{ result: Sample[] }>('query', { query: expr })).result,
    queryRange: async (expr, seconds, stepSeconds) => {
      const end = Date.now() / 1000;
      const params = {
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: String(stepSeconds),
      };
      return (await api<{ result: Sample[] }>('query_range', params)).result;
    },
    series: (selector) => api<Record<string, string>[]>('series', { 'match[]': selector }),
    stop,
  };
}
