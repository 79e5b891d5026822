// The server's life: check the model file, listen, load and warm up the inference threads, turn
// ready. On SIGTERM or SIGINT: turn unready but keep serving for the drain period (DRAIN_SECONDS),
// so the endpoints can be removed while requests routed before that still get answers; then stop
// accepting connections, let in-flight requests finish (within SHUTDOWN_TIMEOUT_MS), let the
// inference threads finish their batches, and stop. Resolves with the process exit code: 0 when
// every request finished, 1 when the timeout cut some. docs/model-server.md, "Shutting down".
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { HistogramSignal, LABELS } from '../contract';
import { describeModel } from '../model/metadata';
import { signalValues } from '../model/signals';
import { createApp, AppState } from './app';
import { Batcher } from './batcher';
import type { ServeConfig } from './config';
import { InferencePool } from './inference-pool';
import type { Logger } from './logger';
import { ServerMetrics } from './metrics';
import { RecentTraffic } from './recent-traffic';
import type { ServedModel } from './served-model';

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

async function readModel(config: ServeConfig): Promise<{ bytes: Buffer; model: ServedModel }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(config.modelPath);
  } catch (err) {
    throw new StartupError(`cannot read the model ${config.modelPath}: ${(err as Error).message}`);
  }
  const { metadata, sha256 } = describeModel(bytes);
  if (config.modelSha256 && config.modelSha256 !== sha256) {
    throw new StartupError(
      `MODEL_SHA256 mismatch: expected ${config.modelSha256}, but ${config.modelPath} has sha256 ${sha256}; refusing to serve it`,
    );
  }
  return { bytes, model: { name: config.modelName, version: metadata.version, sha256, metadata } };
}

function serverVersion(): string {
  try {
    // dist/src/server/serve.js -> model-server/package.json
    return (
      JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

export async function serve(config: ServeConfig, logger: Logger): Promise<number> {
  const file = await readModel(config);
  const { model } = file;
  logger.info('model file checked', {
    path: config.modelPath,
    model: model.name,
    model_version: model.version,
    sha256: model.sha256,
    sha256_verified: config.modelSha256 !== undefined,
  });

  // eslint-disable-next-line prefer-const -- the metrics read the batcher, built below with them
  let batcher: Batcher;
  const metrics = new ServerMetrics(model, config.maxBatchSize, () => batcher.pending);
  const recent = new RecentTraffic();
  const state: AppState = { loaded: false, ready: false, draining: false };
  let pool: InferencePool | undefined;
  let starting: Promise<InferencePool> | undefined;
  batcher = new Batcher(
    async (texts) => {
      const predictions = await pool!.run(texts);
      // each signal's values once per batch, for the Prometheus histograms and the playground's
      // live drift view alike
      const values = signalValues(predictions);
      metrics.observeBatch(texts, predictions.probs, values);
      for (const [signal, vs] of Object.entries(values)) {
        for (const v of vs) recent.observe(signal as HistogramSignal, v);
      }
      return predictions.probs;
    },
    {
      maxBatchSize: config.maxBatchSize,
      windowMs: config.batchWindowMs,
      concurrency: config.inferenceThreads,
      width: LABELS.length,
    },
  );
  const app = createApp({
    model,
    limits: config,
    metrics,
    queued: () => batcher.pending,
    predict: (texts, gone) => batcher.submit(texts, gone),
    state,
    logger,
    serverVersion: serverVersion(),
    playground: config.playground,
    recent,
  });
  const server = createServer(
    {
      keepAlive: true,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // how often Node checks the two timeouts above; its default (30 s) would stretch them
      connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
    },
    app.handle,
  );
  server.on('clientError', app.clientError);

  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (exit = r));
  let stopping: Promise<void> | undefined;
  /** The first call decides the exit code. */
  const stop = (code: number): Promise<void> =>
    (stopping ??= (async () => {
      // a thread still loading the model is let finish: ending it inside onnxruntime aborts
      const started = await starting?.catch(() => undefined);
      await (pool ?? started)?.close();
      exit(code);
    })());

  const closeListener = (): void => {
    // close() also closes the idle keep-alive connections; busy ones close after their response
    server.close(() => {
      clearTimeout(timer);
      logger.info('stopped: every connection closed');
      void stop(0);
    });
    const timer = setTimeout(() => {
      logger.warn('shutdown timeout: closing the connections still open', {
        in_flight: app.inFlight(),
        timeout_ms: config.shutdownTimeoutMs,
      });
      server.closeAllConnections();
      void stop(1);
    }, config.shutdownTimeoutMs);
    logger.info('drained: no new connections, finishing in-flight requests', {
      in_flight: app.inFlight(),
      timeout_ms: config.shutdownTimeoutMs,
    });
  };

  const shutdown = (signal: NodeJS.Signals): void => {
    if (state.draining) return;
    state.draining = true;
    state.ready = false;
    logger.info('shutting down: readiness false, still serving during the drain period', {
      signal,
      in_flight: app.inFlight(),
      drain_ms: config.drainMs,
    });
    setTimeout(closeListener, config.drainMs);
  };
  // before listening: a signal that comes as soon as the port is open must find the handler
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await new Promise<void>((ok, fail) => {
    server.once('error', (err) =>
      fail(new StartupError(`cannot listen on port ${config.port}: ${err.message}`)),
    );
    server.listen(config.port, config.host, ok);
  });
  const address = server.address() as AddressInfo;
  logger.info('listening', { address: address.address, port: address.port, ready: false });

  const started = process.hrtime.bigint();
  const fatal = (err: Error): void => {
    logger.error('inference thread failed; stopping', { error: err.message });
    server.closeAllConnections();
    server.close();
    void stop(1);
  };
  try {
    starting = InferencePool.start(
      file.bytes,
      file.model,
      config.inferenceThreads,
      config.maxBatchSize,
      fatal,
    );
    pool = await starting;
    file.bytes = Buffer.alloc(0); // the threads share their own copy
  } catch (err) {
    server.close();
    throw new StartupError(`cannot load the model ${config.modelPath}: ${(err as Error).message}`);
  }
  state.loaded = true;
  if (!state.draining) {
    state.ready = true;
    logger.info('ready', {
      load_and_warmup_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
      inference_threads: config.inferenceThreads,
      max_batch_size: config.maxBatchSize,
      batch_window_ms: config.batchWindowMs,
      max_queued_texts: config.maxQueuedTexts,
      drain_ms: config.drainMs,
    });
  }
  return exited;
}
