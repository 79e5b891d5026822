// Real model servers standing in for a model's pods (the local control plane runs no containers), the
// IMDB reviews they are sent, and a traffic loop. Prometheus is in prometheus.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, testenvDir, waitFor } from './cluster';
import { imdbReviews as readReviews, imdbTestFile } from './imdb';
import { freePort } from './prometheus';

export const SAMPLE_MODEL = path.join(repoRoot, 'samples', 'models', 'imdb.onnx');

export interface Proc {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, port: number): Proc {
  mkdirSync(path.join(testenvDir, 'logs'), { recursive: true });
  const log = createWriteStream(path.join(testenvDir, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A real model server (`node model-server/dist/src/main.js serve`) for the model `name`, once ready. */
export async function startModelServer(name: string, pod: string): Promise<Proc> {
  const port = await freePort();
  const proc = run(
    `model-server-${pod}`,
    process.execPath,
    [path.join(repoRoot, 'model-server', 'dist', 'src', 'main.js'), 'serve'],
    { MODEL_PATH: SAMPLE_MODEL, MODEL_NAME: name, PORT: String(port), LOG_LEVEL: 'warn' },
    port,
  );
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).ok, {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `model server ${pod} to be ready`,
  });
  return proc;
}

/** `count` IMDB test reviews spread over the file: the in-distribution traffic. */
export function imdbReviews(count: number): string[] {
  return readReviews(imdbTestFile(repoRoot), count);
}

export { sendTraffic } from './load';
