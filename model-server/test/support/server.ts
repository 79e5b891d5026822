// The real server process on the real sample model, on a free port.
import { ServerProcess, spawnServer } from '../../src/bench/spawn-server';
import { SAMPLE_MODEL, requireFile } from './paths';

export const MODEL_HOW = 'run `make model` to train it (it needs ../shared/datasets/imdb)';

export function sampleModel(): string {
  return requireFile(SAMPLE_MODEL, MODEL_HOW);
}

export function startServer(
  env: Record<string, string> = {},
  opts: { model?: string; waitFor?: 'ready' | 'listening'; args?: string[] } = {},
): Promise<ServerProcess> {
  return spawnServer({
    args: ['serve', '--model', opts.model ?? sampleModel(), ...(opts.args ?? [])],
    // no drain period unless a test sets one: stop() would otherwise wait DRAIN_SECONDS each time
    env: { HOST: '127.0.0.1', DRAIN_SECONDS: '0', ...env },
    waitFor: opts.waitFor,
  });
}
