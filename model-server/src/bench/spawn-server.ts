// Starts the real server process (dist/src/main.js) on a free port and waits for its JSON log to
// say it is listening (and, unless told otherwise, ready). Used by the server tests and the
// benchmark.
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const MAIN_JS = resolve(__dirname, '../main.js');

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  /** every JSON log line so far; non-JSON output is kept as {level: 'raw'} */
  logs: LogLine[];
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string>;
  /** waits for a log line with this message */
  waitForLog(message: string, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process has gone */
  stop(): Promise<number | string>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  /** resolve when the server logs "ready" (default) or already when it logs "listening" */
  waitFor?: 'ready' | 'listening';
  timeoutMs?: number;
}

export async function spawnServer(opts: SpawnOptions): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [MAIN_JS, ...opts.args], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: { message: string; done(line: LogLine): void }[] = [];
  const onLine = (text: string): void => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 'raw', message: text };
    }
    logs.push(line);
    for (const w of waiters.filter((w) => w.message === line.message)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done(line);
    }
  };
  createInterface({ input: proc.stdout! }).on('line', onLine);
  createInterface({ input: proc.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((r) =>
    proc.once('exit', (code, signal) => r(code ?? signal ?? -1)),
  );
  const dump = (): string => logs.map((l) => JSON.stringify(l)).join('\n');

  const waitForLog = (message: string, timeoutMs = opts.timeoutMs ?? 60_000): Promise<LogLine> => {
    const seen = logs.find((l) => l.message === message);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${message}" log within ${timeoutMs} ms:\n${dump()}`)),
        timeoutMs,
      );
      const waiter = {
        message,
        done: (line: LogLine) => {
          clearTimeout(timer);
          resolveLine(line);
        },
      };
      waiters.push(waiter);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before logging "${message}":\n${dump()}`));
      });
    });
  };

  const stop = async (): Promise<number | string> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    }
    return exited;
  };

  try {
    const listening = await waitForLog('listening');
    if ((opts.waitFor ?? 'ready') === 'ready') await waitForLog('ready');
    const port = listening.port as number;
    return { proc, port, url: `http://127.0.0.1:${port}`, logs, exited, waitForLog, stop };
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
}
