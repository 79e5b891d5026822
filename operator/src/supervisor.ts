// Keeps one operator worker process alive. @dot-i/k8s-operator ends the process when a watch fails
// (an API server restart, a network cut); Kubernetes would restart the container too, but only after
// its CrashLoopBackOff, which grows to five minutes. The supervisor restarts the worker after a short,
// growing delay instead, and passes it a stable leader-election identity so a restarted worker takes
// its own lease back at once.
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'winston';

export const WORKER_ENV = 'SENTIMENT_OPERATOR_WORKER';

export interface RestartPolicy {
  minDelayMs: number;
  maxDelayMs: number;
  /** A worker that ran this long before it exited counts as healthy: the delay starts over. */
  healthyAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  minDelayMs: 1_000,
  maxDelayMs: 30_000,
  healthyAfterMs: 60_000,
};

/** Delay before the restart that follows `failures` consecutive short-lived workers (1 = first). */
export function restartDelay(failures: number, policy: RestartPolicy): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, failures - 1));
}

export interface SuperviseOptions {
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  policy?: RestartPolicy;
  /** After forwarding SIGTERM, how long to wait for the worker before SIGKILL. */
  killAfterMs: number;
}

/** Runs workers until a signal stops the supervisor; resolves with the exit code to use. */
export function supervise(options: SuperviseOptions): Promise<number> {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const log = options.logger.child({ component: 'supervisor' });
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  return new Promise((resolve) => {
    const start = (): void => {
      const startedAt = Date.now();
      child = fork(options.script, options.args, {
        env: { ...options.env, [WORKER_ENV]: '1' },
        stdio: 'inherit',
      });
      log.info('worker started', { pid: child.pid });
      child.once('exit', (code, signal) => {
        child = undefined;
        if (stopping) {
          log.info('worker stopped', { code, signal });
          resolve(code ?? 1);
          return;
        }
        failures = Date.now() - startedAt >= policy.healthyAfterMs ? 1 : failures + 1;
        const delay = restartDelay(failures, policy);
        log.warn('worker exited; restarting', {
          code,
          signal,
          restartInMs: delay,
          consecutiveFailures: failures,
        });
        restartTimer = setTimeout(start, delay);
      });
    };

    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (!child) {
        resolve(0);
        return;
      }
      log.info('stopping worker', { signal });
      child.kill(signal);
      const running = child;
      setTimeout(() => {
        if (running.exitCode === null && running.signalCode === null) {
          log.warn('worker did not stop in time; killing it', { killAfterMs: options.killAfterMs });
          running.kill('SIGKILL');
        }
      }, options.killAfterMs).unref();
    };

    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    start();
  });
}
