// Runs the real operator (`node operator/dist/src/main.js`, one process) against the local cluster for
// integration tests, and reads its /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseMetrics, sumOf } from '@sentiment-operator/contract';
import { kubeconfigPath, repoRoot, testenvDir, waitFor } from './cluster';

export interface OperatorProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The metrics port, once the operator has logged it. */
  readonly port: () => number | undefined;
  /** Every log line so far. */
  readonly lines: string[];
  /** The pids the operator logged as its own when it started serving /metrics (one, for one process). */
  readonly pids: () => number[];
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL of the operator's process group (a crashed pod). */
  kill(): Promise<void>;
  metrics(): Promise<string>;
  /** The sum of a counter or gauge over the series whose labels include every pair of `match`. */
  metricSum(name: string, match?: Record<string, string>): Promise<number>;
}

/** The port and pid of the operator's "serving /metrics" log line, if `line` is that line. */
function servingLine(line: string): { port: number; pid: number } | undefined {
  if (!line.includes('"serving /metrics')) return undefined;
  try {
    const { port, pid } = JSON.parse(line) as { port?: unknown; pid?: unknown };
    return typeof port === 'number' && typeof pid === 'number' ? { port, pid } : undefined;
  } catch {
    return undefined;
  }
}

export function startOperator(name: string, args: string[], env: NodeJS.ProcessEnv = {}): OperatorProcess {
  const logDir = path.join(testenvDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `operator-${name}.log`), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'operator', 'dist', 'src', 'main.js'), '--metrics-port=0', ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, KUBECONFIG: kubeconfigPath, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so kill() takes anything it started down too
    },
  );
  const lines: string[] = [];
  let port: number | undefined;
  const pids: number[] = [];
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    log.write(chunk);
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      const serving = servingLine(line);
      if (serving) {
        port = serving.port;
        pids.push(serving.pid);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const metrics = async (): Promise<string> => {
    const p = await waitFor(() => port, { timeoutMs: 30_000, what: `operator ${name} to serve /metrics` });
    const res = await fetch(`http://127.0.0.1:${p}/metrics`);
    if (!res.ok) throw new Error(`GET /metrics of operator ${name}: HTTP ${res.status}`);
    return res.text();
  };

  return {
    name,
    child,
    port: () => port,
    lines,
    pids: () => [...pids],
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const code = await Promise.race([exited, timer]);
      if (code === 'timeout') {
        await this.kill();
        throw new Error(`operator ${name} did not exit within ${timeoutMs} ms of SIGTERM`);
      }
      log.end();
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
      log.end();
    },
    metrics,
    async metricSum(metric: string, match: Record<string, string> = {}) {
      return sumOf(parseMetrics(await metrics()), metric, match);
    },
  };
}
