// Command-line entry point of the model server image.
//   main.js [serve] [--model PATH] [--port N] [--drain-seconds S] [--playground true|false]
//       serve a model (settings from the environment)
//   main.js fetch-model --uri URL --sha256 HEX --out PATH [--timeout-ms N] [--max-bytes N] [--ca-file PEM]
// Exit codes: 0 done, 1 failed, 2 bad usage or configuration.
import { parseArgs } from 'node:util';
import { ConfigError, LOG_LEVELS, serveConfig } from './server/config';
import { FETCH_DEFAULTS, FetchError, fetchModel, parseAllowedCidrs } from './server/fetch-model';
import { createLogger, exitAfterFlush } from './server/logger';
import { serve } from './server/serve';

const USAGE = `usage:
  main.js [serve] [--model PATH] [--port N] [--drain-seconds S] [--playground true|false]
      environment: MODEL_PATH, MODEL_NAME, MODEL_SHA256, HOST, PORT (8080), MAX_BATCH_SIZE (64),
      BATCH_WINDOW_MS (2), MAX_BODY_BYTES (1048576), MAX_TEXT_CHARS (20000), MAX_BATCH_ITEMS (256),
      MAX_QUEUED_TEXTS (64 x MAX_BATCH_SIZE x INFERENCE_THREADS), MAX_INFLIGHT_BODY_BYTES
      (16 x MAX_BODY_BYTES, at most 64 MiB), HEADERS_TIMEOUT_MS (10000), REQUEST_TIMEOUT_MS (30000),
      KEEP_ALIVE_TIMEOUT_MS (65000), DRAIN_SECONDS (5), SHUTDOWN_TIMEOUT_MS (20000),
      INFERENCE_THREADS (1), LOG_LEVEL (info), PLAYGROUND (true: the page at GET /)
  main.js fetch-model --uri https://... --sha256 HEX --out PATH [--timeout-ms ${FETCH_DEFAULTS.timeoutMs}] [--max-bytes ${FETCH_DEFAULTS.maxBytes}] [--ca-file PEM]
      environment: FETCH_ALLOWED_CIDRS (comma-separated CIDRs that may be reached although
      loopback, private, link-local or cluster-internal; default none), LOG_LEVEL (info)`;

class UsageError extends Error {}

function positive(flag: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

async function runServe(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      port: { type: 'string' },
      'drain-seconds': { type: 'string' },
      playground: { type: 'string' },
    },
  });
  const config = serveConfig(process.env, values);
  const logger = createLogger(config.logLevel);
  try {
    exitAfterFlush(logger, await serve(config, logger));
  } catch (err) {
    logger.error((err as Error).message, { error: (err as Error).name });
    exitAfterFlush(logger, 1);
  }
}

async function runFetch(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      uri: { type: 'string' },
      sha256: { type: 'string' },
      out: { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-bytes': { type: 'string' },
      'ca-file': { type: 'string' },
    },
  });
  if (!values.uri || !values.sha256 || !values.out)
    throw new UsageError('fetch-model needs --uri, --sha256 and --out');
  if (!/^[0-9a-f]{64}$/i.test(values.sha256)) {
    throw new UsageError(`--sha256 must be 64 hexadecimal characters, got "${values.sha256}"`);
  }
  const level = process.env.LOG_LEVEL?.trim() || 'info';
  const logger = createLogger(
    (LOG_LEVELS as readonly string[]).includes(level) ? level : 'info',
    'fetch-model',
  );
  try {
    await fetchModel(
      {
        uri: values.uri,
        sha256: values.sha256,
        out: values.out,
        timeoutMs: positive('--timeout-ms', values['timeout-ms'], FETCH_DEFAULTS.timeoutMs),
        maxBytes: positive('--max-bytes', values['max-bytes'], FETCH_DEFAULTS.maxBytes),
        allowed: parseAllowedCidrs(process.env.FETCH_ALLOWED_CIDRS),
        caFile: values['ca-file'],
      },
      logger,
    );
    exitAfterFlush(logger, 0);
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    logger.error(err.message, { error: err.name });
    exitAfterFlush(logger, 1);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  if (command === 'fetch-model') return runFetch(rest);
  if (command === undefined || command.startsWith('-')) return runServe(argv);
  if (command === 'serve') return runServe(rest);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((err: Error) => {
  const usage =
    err instanceof UsageError ||
    err instanceof ConfigError ||
    (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
  const logger = createLogger('info', 'main');
  logger.error(err.message, { error: err.name, ...(usage ? {} : { stack: err.stack }) });
  if (usage) console.error(USAGE);
  exitAfterFlush(logger, usage ? 2 : 1);
});
