// Leader election on a coordination.k8s.io/v1 Lease: of several operator instances, the one holding
// the lease reconciles. This is the I/O shell around lease.ts: it reads and writes the Lease, sleeps,
// keeps the renew deadline and calls back when leadership begins or ends.
import { CoordinationV1Api, HttpError, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type winston from 'winston';
import { MANAGED_BY, LABEL_MANAGED_BY } from '../api/names';
import {
  type LeaseSpecBody,
  type LeaseTiming,
  type Observation,
  decide,
  holderOf,
  nextDelayMs,
  observe,
  releasedLeaseSpec,
  timingProblems,
} from './lease';

export interface LeaderElectionConfig extends LeaseTiming {
  /** Where the Lease lives, usually the operator's own namespace. */
  namespace: string;
  name: string;
  /** Unique per instance (the pod name); written as the lease's holderIdentity. */
  identity: string;
}

export const DEFAULT_LEADER_ELECTION: Readonly<
  Omit<LeaderElectionConfig, 'namespace' | 'name' | 'identity'>
> = Object.freeze({
  leaseDurationSeconds: 15,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

export interface LeaderCallbacks {
  /** Called when this instance becomes leader. */
  onStartedLeading: () => void;
  /** Called once after each onStartedLeading: when the lease is lost, or on stop(). */
  onStoppedLeading: () => void;
}

/** What attempt() reports to the loop. */
interface AttemptResult {
  ok: boolean;
  /** Set when the lease is someone else's and still valid. */
  waitMs?: number;
  /** A write lost a race: look again at once instead of after a retry period. */
  conflict?: boolean;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly log: winston.Logger;
  private callbacks: LeaderCallbacks | undefined;
  private leading = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private observation: Observation | undefined;
  /** The holder we last saw, to log changes of leader once. */
  private lastSeenHolder: string | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    kc: KubeConfig,
    private readonly config: LeaderElectionConfig,
    logger: winston.Logger,
  ) {
    const problems = timingProblems(config);
    if (!config.identity) problems.push('identity must not be empty');
    if (problems.length > 0) throw new Error(`invalid leader election config: ${problems.join('; ')}`);
    this.api = kc.makeApiClient(CoordinationV1Api);
    // A request that hangs (an API server that accepts connections but never answers) must not stall
    // the loop past the renew deadline; the deadline timer below is the real guarantee, this keeps
    // the loop moving.
    const timeoutMs = Math.max(1_000, Math.floor(config.renewDeadlineMs / 2));
    this.api.addInterceptor((options: { timeout?: number }) => {
      options.timeout = timeoutMs;
    });
    this.log = logger.child({
      component: 'leader-election',
      lease: `${config.namespace}/${config.name}`,
      identity: config.identity,
    });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Loops until stop(): tries to acquire every retry period; once leader, renews every retry period.
   * Leadership may come and go more than once; onStartedLeading and onStoppedLeading alternate,
   * starting with onStartedLeading. Never throws on API errors: it logs, backs off and keeps trying.
   */
  run(callbacks: LeaderCallbacks): Promise<void> {
    if (this.loop) throw new Error('LeaderElector.run() was already called');
    this.callbacks = callbacks;
    this.loop = this.runLoop();
    return this.loop;
  }

  /**
   * Stops the loop (waiting for an attempt in flight). A leader calls onStoppedLeading first, so its
   * reconciling ends before anyone else's can begin, then, with release (the default), writes an
   * empty holderIdentity so a standby takes over at its next retry instead of waiting for expiry.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const release = options.release ?? true;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.clearDeadline();
    if (!this.leading) return;
    this.stopLeading('stopped');
    if (release) await this.release();
  }

  private async runLoop(): Promise<void> {
    this.log.info('leader election started', {
      leaseDurationSeconds: this.config.leaseDurationSeconds,
      renewDeadlineMs: this.config.renewDeadlineMs,
      retryPeriodMs: this.config.retryPeriodMs,
    });
    let consecutiveFailures = 0;
    while (!this.stopping) {
      let result: AttemptResult;
      try {
        result = await this.attempt();
      } catch (err) {
        this.warnApiError('leader election attempt failed', err);
        result = { ok: false };
      }
      if (this.stopping) break;
      consecutiveFailures = result.ok ? 0 : consecutiveFailures + 1;
      // One immediate re-read after a lost race; a second conflict in a row waits like any failure.
      const delay =
        result.conflict && consecutiveFailures === 1
          ? 0
          : nextDelayMs({
              timing: this.config,
              leading: this.leading,
              consecutiveFailures,
              waitMs: result.waitMs,
              random: Math.random(),
            });
      await this.sleep(delay);
    }
  }

  /** One read-decide-write round. */
  private async attempt(): Promise<AttemptResult> {
    const current = await this.readLease();
    const nowMs = Date.now();
    this.observation = observe(this.observation, current?.metadata?.resourceVersion, nowMs);
    this.noteHolder(holderOf(current?.spec));
    const decision = decide({
      current: current?.spec,
      observedAtMs: this.observation.observedAtMs,
      identity: this.config.identity,
      nowMs,
      leaseDurationSeconds: this.config.leaseDurationSeconds,
    });
    if (decision.action === 'wait') {
      if (this.leading) this.stopLeading(`the lease is now held by ${decision.holder}`);
      return { ok: true, waitMs: decision.waitMs };
    }

    const sentAtMs = Date.now();
    try {
      await this.writeLease(current, decision.spec);
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 409) {
        // Someone else wrote first (or created the lease first): re-read rather than overwrite. For a
        // candidate that is an ordinary lost race; for the leader it means someone touched its lease.
        const level = this.leading ? 'warn' : 'info';
        this.log.log(level, 'lease write conflicted; re-reading', {
          action: decision.action,
          statusCode: 409,
        });
        return { ok: false, conflict: true };
      }
      throw err;
    }
    this.armDeadline(sentAtMs);
    if (!this.leading) {
      this.startLeading(decision.spec, decision.action === 'acquire' ? decision.previousHolder : undefined);
    }
    return { ok: true };
  }

  private async readLease(): Promise<V1Lease | undefined> {
    try {
      return (await this.api.readNamespacedLease(this.config.name, this.config.namespace)).body;
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Creates the lease, or replaces `current` at its resourceVersion (so a concurrent write yields 409). */
  private async writeLease(current: V1Lease | undefined, spec: LeaseSpecBody): Promise<V1Lease> {
    // The client types MicroTime fields as Date subclasses but passes strings through unchanged;
    // strings keep the microsecond format the API server expects.
    const specForClient = spec as unknown as V1Lease['spec'];
    if (!current) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.config.name,
          namespace: this.config.namespace,
          labels: { [LABEL_MANAGED_BY]: MANAGED_BY },
        },
        spec: specForClient,
      };
      return (await this.api.createNamespacedLease(this.config.namespace, body)).body;
    }
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: current.metadata,
      spec: specForClient,
    };
    return (await this.api.replaceNamespacedLease(this.config.name, this.config.namespace, body)).body;
  }

  /** Best effort: a failed release only means the standby waits for expiry. */
  private async release(): Promise<void> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const current = await this.readLease();
        if (!current?.spec || holderOf(current.spec) !== this.config.identity) return;
        await this.writeLease(current, releasedLeaseSpec(current.spec, Date.now()));
        this.log.info('lease released');
        return;
      } catch (err) {
        const conflict = err instanceof HttpError && err.statusCode === 409;
        if (!conflict || attempt === 2) {
          this.warnApiError('could not release the lease; standbys will wait for it to expire', err);
          return;
        }
      }
    }
  }

  private startLeading(spec: LeaseSpecBody, previousHolder: string | undefined): void {
    this.leading = true;
    this.lastSeenHolder = this.config.identity;
    this.log.info('became leader', {
      previousHolder: previousHolder ?? null,
      leaseTransitions: spec.leaseTransitions,
    });
    this.callBack('onStartedLeading');
  }

  private stopLeading(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.clearDeadline();
    this.log.info('stopped leading', { reason });
    this.callBack('onStoppedLeading');
  }

  /**
   * Leadership ends renewDeadline after the last successful renewal was sent, whatever the loop is
   * doing then (a request may be hanging). Counting from the send time keeps us on the safe side: the
   * API server recorded the renewal no earlier, so candidates count their lease duration from later.
   */
  private armDeadline(sentAtMs: number): void {
    this.clearDeadline();
    const remaining = sentAtMs + this.config.renewDeadlineMs - Date.now();
    this.deadlineTimer = setTimeout(
      () => this.stopLeading(`could not renew the lease for ${this.config.renewDeadlineMs} ms`),
      Math.max(0, remaining),
    );
  }

  private clearDeadline(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  private noteHolder(holder: string | undefined): void {
    if (holder === this.lastSeenHolder) return;
    if (holder !== this.config.identity) {
      this.log.info('leader changed', { from: this.lastSeenHolder ?? null, to: holder ?? null });
    }
    this.lastSeenHolder = holder;
  }

  private callBack(name: keyof LeaderCallbacks): void {
    try {
      this.callbacks?.[name]();
    } catch (err) {
      this.log.error(`${name} callback threw`, { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Logs an API failure by status code (or network error code), never by body. */
  private warnApiError(message: string, err: unknown): void {
    if (err instanceof HttpError) {
      const reason = (err.body as { reason?: unknown } | undefined)?.reason;
      this.log.warn(message, {
        statusCode: err.statusCode ?? null,
        reason: typeof reason === 'string' ? reason : null,
      });
      return;
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    this.log.warn(message, {
      statusCode: null,
      code: code ?? null,
      error: err instanceof Error ? err.message : String(err),
    });
  }

  /** Sleeps `ms`, or less when stop() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
