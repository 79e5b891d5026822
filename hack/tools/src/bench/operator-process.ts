// Runs the real operator (`node operator/dist/src/main.js`, one process) for the benchmark, keeps its
// JSON log in a file, and finds its metrics port, and the pid it reports, in that log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseMetrics, type Sample } from '@sentiment-operator/contract';

/** The operator this build compiled. */
export const OPERATOR_MAIN = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  '..',
  'operator',
  'dist',
  'src',
  'main.js',
);

interface LogLine {
  message?: string;
  [field: string]: unknown;
}

export interface OperatorProcess {
  readonly pid: number;
  /** The pids that logged "serving /metrics" (one process: exactly [pid]). */
  servingPids(): number[];
  waitForLog(message: string, timeoutMs: number): Promise<LogLine>;
  /** The operator's /metrics, parsed. */
  metrics(): Promise<Sample[]>;
  /** SIGTERM; SIGKILL of the process group after `timeoutMs`. */
  stop(timeoutMs: number): Promise<number | string>;
}

export function startOperator(
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): OperatorProcess {
  const child: ChildProcess = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a last-resort kill takes anything it started down too.
    detached: true,
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  const seen: LogLine[] = [];
  const waiters: { message: string; done(line: LogLine): void }[] = [];
  let port: number | undefined;
  const servingPids: number[] = [];

  const onLine = (text: string): void => {
    log.write(`${text}\n`);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    if (line.message === 'serving /metrics, /healthz and /readyz' && typeof line.port === 'number') {
      port = line.port;
      if (typeof line.pid === 'number') servingPids.push(line.pid);
    }
    // Only the lines someone may wait for are kept; the per-model ones would grow with the run.
    if (line.message && !line.message.startsWith('applied')) seen.push(line);
    for (const w of waiters.filter((w) => w.message === line.message)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done(line);
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      log.end();
      resolve(code ?? signal ?? -1);
    }),
  );
  let exitCode: number | string | undefined;
  void exited.then((code) => (exitCode = code));

  const waitForLog = (message: string, timeoutMs: number): Promise<LogLine> => {
    const found = seen.find((l) => l.message === message);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the operator did not log "${message}" within ${timeoutMs} ms; see ${logFile}`));
      }, timeoutMs);
      waiters.push({
        message,
        done: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the operator exited (${code}) before logging "${message}"; see ${logFile}`));
      });
    });
  };

  return {
    pid: child.pid!,
    servingPids: () => [...servingPids],
    waitForLog,
    async metrics() {
      // A few attempts: one dropped connection must not end a ten-minute run.
      for (let attempt = 1; ; attempt++) {
        try {
          if (port === undefined) throw new Error('the operator is not serving /metrics');
          const res = await fetch(`http://127.0.0.1:${port}/metrics`);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          return parseMetrics(await res.text());
        } catch (error) {
          if (attempt >= 3) {
            const cause = (error as { cause?: unknown }).cause;
            throw new Error(
              `GET /metrics of the operator failed: ${String(error)}${cause ? ` (${String(cause)})` : ''}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    },
    async stop(timeoutMs) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
