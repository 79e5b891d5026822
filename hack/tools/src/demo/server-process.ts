// A real model server (`model-server/dist/src/main.js serve`) on a free loopback port for the tools
// that measure traffic through it (demo/measure-traffic.ts, bench/drift-sensitivity.ts): start it,
// send texts to /predict, read /metrics.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseMetrics, type Sample } from '@sentiment-operator/contract';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..');
const SERVER_MAIN = path.join(REPO_ROOT, 'model-server', 'dist', 'src', 'main.js');
/** Texts per request; the server's default limit per request is 256. */
const BATCH = 100;

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/** Starts the model server on a free port and resolves once it logs "ready". */
export function startServer(model: string, name: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN, 'serve'], {
    env: {
      ...process.env,
      MODEL_PATH: model,
      MODEL_NAME: name,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
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

export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseMetrics(await res.text());
}

export async function predictAll(url: string, texts: readonly string[]): Promise<void> {
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
