// Entry point: `node operator/dist/src/main.js [flags]` (see --help). One process: the health server,
// leader election, and a SentimentModelController whose informers run throughout and whose workers
// run while this instance leads (informers → work queue → workers → reconcile). Watch errors and
// API-server restarts are handled inside the informers; losing the lease ends the workers' term and
// the process goes back to standby; SIGTERM drains, releases the lease and exits 0.
import { KubeConfig } from '@kubernetes/client-node';
import { SentimentModelController } from './controller/controller';
import { LeaderElector } from './controller/leader-election';
import { createLogger, exitAfterFlush, type Logger } from './observability/logger';
import { startHealthServer } from './observability/health-server';
import { OperatorMetrics } from './observability/metrics';
import { OptionsError, parseOptions, usage, type OperatorOptions } from './options';

type State = 'standby' | 'leading' | 'stopping';

function leaderElector(options: OperatorOptions, logger: Logger): LeaderElector {
  const le = options.leaderElection;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return new LeaderElector(
    kc,
    {
      namespace: le.namespace,
      name: le.id,
      identity: le.identity,
      leaseDurationSeconds: le.leaseDurationMs / 1000, // whole seconds: options.ts checks
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
    },
    logger,
  );
}

async function run(options: OperatorOptions, logger: Logger): Promise<void> {
  const metrics = new OperatorMetrics();
  // One controller for the life of the process: its informers and caches too. Leadership only starts
  // and ends terms of its workers.
  const controller = new SentimentModelController(
    {
      config: options.config,
      watchNamespace: options.watchNamespace,
      concurrency: options.concurrency,
      resyncPeriodMs: options.resyncPeriodMs,
      identity: options.leaderElection.identity,
      drift: options.driftEvaluation,
    },
    logger,
    metrics,
  );
  let state: State = 'standby';
  const elector = options.leaderElection.enabled ? leaderElector(options, logger) : undefined;

  const health = await startHealthServer({
    port: options.metricsPort,
    host: options.metricsBindAddress,
    metrics,
    logger,
    checks: {
      live: () => true,
      ready: () => {
        if (state === 'leading') return controller.started || 'starting the informers';
        return state === 'standby' || state;
      },
    },
  });
  logger.info('serving /metrics, /healthz and /readyz', { port: health.port, pid: process.pid });

  const failed = (error: unknown): void => {
    logger.error('controller failed to start', {
      error: error instanceof Error ? error.message : String(error),
    });
    exitAfterFlush(logger, 1);
  };
  // A standby lists and watches too, so that it takes over with warm caches.
  controller.startInformers().catch(failed);

  /** The end of the previous leadership term: a new term starts only after it. */
  let previousTerm: Promise<void> = Promise.resolve();

  const lead = (): void => {
    state = 'leading';
    metrics.setLeader(true);
    void previousTerm.then(() => (state === 'leading' ? controller.lead() : undefined)).catch(failed);
  };

  const stopLeading = (): Promise<void> => {
    metrics.setLeader(false);
    previousTerm = controller.endTerm(options.shutdownTimeoutMs).then((drained) => {
      if (!drained)
        logger.warn('reconciles still running at the shutdown timeout', {
          timeoutMs: options.shutdownTimeoutMs,
        });
    });
    return previousTerm;
  };

  const shutdown = async (signal: string): Promise<void> => {
    if (state === 'stopping') return;
    state = 'stopping';
    logger.info('shutting down', { signal });
    await stopLeading();
    controller.stop(); // the informers
    // Releasing the lease lets a standby take over at its next retry instead of after expiry.
    await elector?.stop({ release: true });
    await health.close();
    exitAfterFlush(logger, 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  if (!elector) {
    lead();
    return;
  }
  void elector.run({
    onStartedLeading: lead,
    onStoppedLeading: () => {
      if (state === 'stopping') return;
      // Another instance may already be reconciling: stop this term's workers at once and compete for
      // the lease again as a standby, in this process; the caches stay warm.
      logger.error('lost the leader lease; back to standby');
      state = 'standby';
      void stopLeading();
    },
  });
}

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
  run(options, logger).catch((error: unknown) => {
    logger.error('operator failed', { error: error instanceof Error ? error.message : String(error) });
    exitAfterFlush(logger, 1);
  });
}

main();
