// Entry point: `node operator/dist/src/main.js [flags]` (see --help). By default a supervisor process
// runs the operator in a worker process and restarts it when it dies (see supervisor.ts); with
// SENTIMENT_OPERATOR_SUPERVISE=false the worker runs in this process.
import { createLogger, exitAfterFlush } from './observability/logger';
import { OptionsError, parseOptions, usage, type OperatorOptions } from './options';
import { WORKER_ENV, supervise } from './supervisor';

function main(): void {
  let options: OperatorOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof OptionsError) {
      process.stderr.write(`sentiment-operator: ${error.message}\nRun with --help for the flags.\n`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(usage());
    return;
  }
  const logger = createLogger(options.logLevel);
  const inProcess = process.env[WORKER_ENV] === '1' || process.env.SENTIMENT_OPERATOR_SUPERVISE === 'false';
  if (inProcess) {
    import('./worker.js')
      .then(({ runWorker }) => runWorker(options, logger))
      .catch((error: unknown) => {
        logger.error('operator failed', { error: error instanceof Error ? error.message : String(error) });
        exitAfterFlush(logger, 1);
      });
    return;
  }
  supervise({
    script: __filename,
    args: process.argv.slice(2),
    // The identity chosen here survives worker restarts, so a restarted leader keeps its lease.
    env: { ...process.env, LEADER_ELECTION_IDENTITY: options.leaderElection.identity },
    logger,
    killAfterMs: options.shutdownTimeoutMs + 5_000,
  }).then(
    (code) => exitAfterFlush(logger, code),
    (error: unknown) => {
      logger.error('supervisor failed', { error: String(error) });
      exitAfterFlush(logger, 1);
    },
  );
}

main();
