// The operator proper: health server, leader election, controller. Loaded only in the worker process,
// so the supervisor (supervisor.ts) stays small.
import { KubeConfig } from '@kubernetes/client-node';
import { SentimentModelController } from './controller/controller';
import { LeaderElector } from './controller/leader-election';
import { exitAfterFlush, type Logger } from './observability/logger';
import { startHealthServer, type HealthServer } from './observability/health-server';
import { OperatorMetrics } from './observability/metrics';
import type { OperatorOptions } from './options';

type State = 'starting' | 'standby' | 'leading' | 'stopping';

function leaderElector(options: OperatorOptions, identity: string, logger: Logger): LeaderElector {
  const le = options.leaderElection;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return new LeaderElector(
    kc,
    {
      namespace: le.namespace,
      name: le.id,
      identity,
      leaseDurationSeconds: Math.round(le.leaseDurationMs / 1000),
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
    },
    logger,
  );
}

export async function runWorker(options: OperatorOptions, logger: Logger): Promise<void> {
  const metrics = new OperatorMetrics();
  const identity = options.leaderElection.identity;
  const controller = new SentimentModelController(
    {
      config: options.config,
      watchNamespace: options.watchNamespace,
      concurrency: options.concurrency,
      resyncPeriodMs: options.resyncPeriodMs,
      identity,
      drift: options.driftEvaluation,
    },
    logger,
    metrics,
  );
  let state: State = 'starting';
  const elector = options.leaderElection.enabled ? leaderElector(options, identity, logger) : undefined;

  const health: HealthServer = await startHealthServer({
    port: options.metricsPort,
    host: options.metricsBindAddress,
    metrics: metrics,
    logger,
    checks: {
      live: () => true,
      ready: () => {
        if (state === 'standby') return true;
        if (state === 'leading') return controller.started || 'starting the watches';
        return state;
      },
    },
  });
  logger.info('serving /metrics, /healthz and /readyz', { port: health.port });

  const lead = (): void => {
    state = 'leading';
    metrics.setLeader(true);
    controller.start().catch((error: unknown) => {
      logger.error('controller failed to start', {
        error: error instanceof Error ? error.message : String(error),
      });
      exitAfterFlush(logger, 1);
    });
  };

  const shutdown = async (signal: string): Promise<void> => {
    if (state === 'stopping') return;
    const wasLeading = state === 'leading';
    state = 'stopping';
    logger.info('shutting down', { signal });
    const drained = wasLeading ? await controller.shutdown(options.shutdownTimeoutMs) : true;
    if (!drained)
      logger.warn('reconciles still running at the shutdown timeout', {
        timeoutMs: options.shutdownTimeoutMs,
      });
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
  state = 'standby';
  void elector.run({
    onStartedLeading: lead,
    onStoppedLeading: () => {
      metrics.setLeader(false);
      if (state === 'stopping') return;
      // Another instance may already be reconciling: stop at once rather than race it. The supervisor
      // starts a fresh worker, which comes back as a standby.
      logger.error('lost the leader lease; exiting');
      exitAfterFlush(logger, 1);
    },
  });
}
