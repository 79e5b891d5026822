// The server's settings: environment variables, overridden by the few command-line flags. Every
// value is checked here, so a typo stops the process with the variable's name instead of
// surfacing later as odd behaviour.
import { basename, extname } from 'node:path';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ServeConfig {
  modelPath: string;
  /** the name clients address in /v2/models/{name} and the `model` label */
  modelName: string;
  /** expected sha256 of the model file; the server refuses to start on a mismatch */
  modelSha256?: string;
  /** listen address; undefined listens on every interface */
  host?: string;
  port: number;
  maxBatchSize: number;
  batchWindowMs: number;
  maxBodyBytes: number;
  maxTextChars: number;
  maxBatchItems: number;
  /** texts waiting for inference beyond which a request is refused with 503 */
  maxQueuedTexts: number;
  /** request body bytes held in memory at once, over every request, beyond which 503 */
  maxInflightBodyBytes: number;
  /** time to receive a request's headers (http.Server headersTimeout) */
  headersTimeoutMs: number;
  /** time to receive a whole request (http.Server requestTimeout) */
  requestTimeoutMs: number;
  /** how long an idle keep-alive connection stays open (http.Server keepAliveTimeout) */
  keepAliveTimeoutMs: number;
  /** after SIGTERM: unready but still serving, so endpoints can be removed before the listener closes */
  drainMs: number;
  /** after the drain period: time for in-flight requests before the connections are closed */
  shutdownTimeoutMs: number;
  /** worker threads that each hold an onnxruntime session */
  inferenceThreads: number;
  logLevel: string;
  /** the playground page at GET / and its drift view (docs/model-server.md, "Playground") */
  playground: boolean;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
const SHA256 = /^[0-9a-f]{64}$/i;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ServeFlags {
  model?: string;
  port?: string;
  'drain-seconds'?: string;
  playground?: string;
}

function integer(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return def;
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(v);
}

/** Seconds with at most three decimals, as milliseconds. */
function seconds(name: string, raw: string | undefined, def: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return def * 1000;
  const v = raw.trim();
  if (!/^\d+(\.\d{1,3})?$/.test(v) || Number(v) > max) {
    throw new ConfigError(`${name} must be a number of seconds from 0 to ${max}, got "${raw.slice(0, 50)}"`);
  }
  return Math.round(Number(v) * 1000);
}

/** `true` or `false`, as Kubernetes manifests write them; anything else is a typo worth stopping on. */
function boolean(name: string, raw: string | undefined, def: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return def;
  const v = raw.trim().toLowerCase();
  if (v !== 'true' && v !== 'false')
    throw new ConfigError(`${name} must be true or false, got "${raw.slice(0, 50)}"`);
  return v === 'true';
}

/** Default model name: the file's base name without its extension (`imdb` for imdb.onnx). */
export function defaultModelName(modelPath: string): string {
  return basename(modelPath, extname(modelPath));
}

export function serveConfig(env: NodeJS.ProcessEnv, flags: ServeFlags = {}): ServeConfig {
  const modelPath = flags.model ?? env.MODEL_PATH;
  if (!modelPath) throw new ConfigError('no model: pass --model PATH or set MODEL_PATH');

  const modelName = env.MODEL_NAME?.trim() || defaultModelName(modelPath);
  if (!MODEL_NAME.test(modelName)) {
    throw new ConfigError(
      `model name "${modelName}" (MODEL_NAME or the file's base name) must be 1-128 characters of letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }

  const sha = env.MODEL_SHA256?.trim();
  if (sha && !SHA256.test(sha)) {
    throw new ConfigError(`MODEL_SHA256 must be 64 hexadecimal characters, got "${env.MODEL_SHA256}"`);
  }

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }

  const maxBatchSize = integer('MAX_BATCH_SIZE', env.MAX_BATCH_SIZE, 64, 1, 4096);
  const maxBodyBytes = integer('MAX_BODY_BYTES', env.MAX_BODY_BYTES, 1024 * 1024, 1, 1024 * 1024 * 1024);
  const maxBatchItems = integer('MAX_BATCH_ITEMS', env.MAX_BATCH_ITEMS, 256, 1, 100_000);
  const inferenceThreads = integer('INFERENCE_THREADS', env.INFERENCE_THREADS, 1, 1, 64);
  // 64 full batches per thread: under a second of short texts, a few seconds of long reviews
  // (docs/benchmarks.md), and never less than one maximal request
  const maxQueuedTexts = integer(
    'MAX_QUEUED_TEXTS',
    env.MAX_QUEUED_TEXTS,
    Math.max(maxBatchItems, 64 * maxBatchSize * inferenceThreads),
    maxBatchItems,
    10_000_000,
  );
  // 16 maximal bodies: as many maximal requests as the default queue holds (4096 / 256), and parsed
  // texts and garbage about triple it, which keeps a flood within 400 MB (docs/model-server.md);
  // never more than 64 MiB by default (a server allowed huge bodies takes fewer at once)
  const maxInflightBodyBytes = integer(
    'MAX_INFLIGHT_BODY_BYTES',
    env.MAX_INFLIGHT_BODY_BYTES,
    Math.max(maxBodyBytes, Math.min(16 * maxBodyBytes, 64 * 1024 * 1024)),
    maxBodyBytes,
    16 * 1024 * 1024 * 1024,
  );
  const headersTimeoutMs = integer('HEADERS_TIMEOUT_MS', env.HEADERS_TIMEOUT_MS, 10_000, 1, 3_600_000);
  const requestTimeoutMs = integer('REQUEST_TIMEOUT_MS', env.REQUEST_TIMEOUT_MS, 30_000, 1, 3_600_000);
  // Node refuses a server whose headers may take longer than the whole request
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }

  return {
    modelPath,
    modelName,
    modelSha256: sha ? sha.toLowerCase() : undefined,
    host: env.HOST?.trim() || undefined,
    port:
      flags.port !== undefined
        ? integer('--port', flags.port, 0, 0, 65535)
        : integer('PORT', env.PORT, 8080, 0, 65535),
    maxBatchSize,
    batchWindowMs: integer('BATCH_WINDOW_MS', env.BATCH_WINDOW_MS, 2, 0, 1000),
    maxBodyBytes,
    maxTextChars: integer('MAX_TEXT_CHARS', env.MAX_TEXT_CHARS, 20_000, 1, 10_000_000),
    maxBatchItems,
    maxQueuedTexts,
    maxInflightBodyBytes,
    headersTimeoutMs,
    requestTimeoutMs,
    // longer than the 60 s idle timeout common to proxies in front, so the server is never the one
    // closing a connection a proxy is about to reuse
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', env.KEEP_ALIVE_TIMEOUT_MS, 65_000, 1, 3_600_000),
    drainMs:
      flags['drain-seconds'] !== undefined
        ? seconds('--drain-seconds', flags['drain-seconds'], 5, 3600)
        : seconds('DRAIN_SECONDS', env.DRAIN_SECONDS, 5, 3600),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 20_000, 0, 3_600_000),
    inferenceThreads,
    logLevel,
    playground:
      flags.playground !== undefined
        ? boolean('--playground', flags.playground, true)
        : boolean('PLAYGROUND', env.PLAYGROUND, true),
  };
}
