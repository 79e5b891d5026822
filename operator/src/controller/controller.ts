// The operator's event loop. Watches (through @dot-i/k8s-operator) on SentimentModels and on every
// child kind only turn events into the owning model's key on a work queue; a few workers reconcile
// keys; a periodic resync re-queues every known model so that anything a watch missed converges too.
import Operator, { ResourceEventType, type ResourceEvent } from '@dot-i/k8s-operator';
import type { Logger } from 'winston';
import { API_GROUP, API_GROUP_VERSION, API_VERSION, KIND, PLURAL } from '../api/names';
import type { OperatorConfig } from '../config';
import type { OperatorMetrics } from '../observability/metrics';
import { DriftEvaluator } from '../drift/evaluator';
import { CHILD_KINDS, type KubeObject } from './children';
import { controllerOf } from './diff';
import { EventRecorder } from './events';
import { KubeClient, describeError } from './kube';
import { CapabilityCache, Reconciler } from './reconciler';
import { DEFAULT_WORKQUEUE, WorkQueue } from './workqueue';

export interface ControllerOptions {
  config: OperatorConfig;
  /** Empty: all namespaces. */
  watchNamespace: string;
  concurrency: number;
  resyncPeriodMs: number;
  /** Who this instance is, in Events (reportingInstance). */
  identity: string;
  /** Evaluate drift (the operator-wide switch). */
  drift: boolean;
}

export const modelKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The key of the SentimentModel that controls `object`, if one does. */
export function ownerKey(object: KubeObject): string | undefined {
  const owner = controllerOf(object);
  if (!owner || owner.kind !== KIND || owner.apiVersion !== API_GROUP_VERSION) return undefined;
  const namespace = object.metadata?.namespace;
  return namespace ? modelKey(namespace, owner.name) : undefined;
}

function adapt(logger: Logger): {
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
} {
  const framework = logger.child({ component: 'k8s-operator' });
  return {
    debug: (m) => framework.debug(m),
    info: (m) => framework.info(m),
    warn: (m) => framework.warn(m),
    error: (m) => framework.error(m),
  };
}

export class SentimentModelController extends Operator {
  readonly queue = new WorkQueue(DEFAULT_WORKQUEUE);
  private readonly known = new Set<string>();
  private readonly kube: KubeClient;
  private readonly reconciler: Reconciler;
  private readonly capabilities: CapabilityCache;
  private readonly drift: DriftEvaluator | undefined;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly options: ControllerOptions,
    private readonly log: Logger,
    private readonly metrics: OperatorMetrics,
  ) {
    super(adapt(log));
    this.kube = new KubeClient(this.kubeConfig, metrics);
    this.capabilities = new CapabilityCache(this.kube);
    const events = new EventRecorder(this.kube, log, options.identity);
    this.drift = options.drift
      ? new DriftEvaluator({
          defaultPrometheusUrl: options.config.prometheusUrl,
          metrics,
          logger: log,
          onChange: (key) => this.queue.add(key),
        })
      : undefined;
    this.reconciler = new Reconciler(this.kube, options.config, this.capabilities, events, log, this.drift);
  }

  get started(): boolean {
    return this.running;
  }

  protected async init(): Promise<void> {
    const ns = this.options.watchNamespace || undefined;
    await this.watchResource(API_GROUP, API_VERSION, PLURAL, async (e) => this.onModel(e), ns);
    const capabilities = await this.capabilities.get();
    for (const kind of CHILD_KINDS) {
      if (kind.optional && !capabilities.served.has(`${kind.apiVersion}/${kind.kind}`)) continue;
      const [group, version] = kind.apiVersion.includes('/')
        ? kind.apiVersion.split('/')
        : ['', kind.apiVersion];
      await this.watchResource(group, version, kind.plural, async (e) => this.onChild(e), ns);
    }
    this.running = true;
    this.drift?.start();
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work());
    this.resyncTimer = setInterval(() => {
      for (const key of this.known) this.queue.add(key);
    }, this.options.resyncPeriodMs);
    this.resyncTimer.unref();
    this.log.info('controller started', {
      namespace: ns ?? '(all)',
      concurrency: this.options.concurrency,
      resyncPeriodMs: this.options.resyncPeriodMs,
    });
  }

  private async onModel(event: ResourceEvent): Promise<void> {
    const { name, namespace } = event.meta;
    if (!namespace) return;
    const key = modelKey(namespace, name);
    if (event.type === ResourceEventType.Deleted) {
      this.known.delete(key);
      this.drift?.forget(key);
      this.metrics.forgetModel(namespace, name);
    } else {
      this.known.add(key);
      this.queue.add(key);
    }
    this.metrics.setManagedModels(this.known.size);
    this.metrics.setQueueDepth(this.queue.length);
  }

  private async onChild(event: ResourceEvent): Promise<void> {
    const key = ownerKey(event.object as KubeObject);
    if (key) this.queue.add(key);
    this.metrics.setQueueDepth(this.queue.length);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const [namespace, name] = splitKey(key);
      const started = process.hrtime.bigint();
      try {
        const result = await this.reconciler.reconcile(namespace, name);
        this.queue.forget(key);
        if (result.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, result.requeueAfterMs);
          this.observe('requeue', started);
        } else {
          this.observe('success', started);
        }
      } catch (error) {
        const delay = this.queue.addRateLimited(key);
        this.metrics.countRetry();
        this.observe('error', started);
        this.log.warn('reconcile failed; retrying', {
          namespace,
          sentimentmodel: name,
          retryInMs: delay,
          retries: this.queue.retries(key),
          error: describeError(error),
        });
      } finally {
        this.queue.done(key);
        this.metrics.setQueueDepth(this.queue.length);
      }
    }
  }

  private observe(result: 'success' | 'error' | 'requeue', started: bigint): void {
    this.metrics.observeReconcile(result, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Stops watching, lets in-flight reconciles finish (up to `timeoutMs`), and returns whether they did. */
  async shutdown(timeoutMs: number): Promise<boolean> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.shutDown();
    this.drift?.stop();
    // Not this.stop(): @dot-i/k8s-operator reads an aborted watch as a failed one and exits the process
    // with status 1. Events arriving from here on are dropped by the closed queue, and the watches end
    // with the process.
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([Promise.all(this.workers).then(() => true as const), timeout]);
    clearTimeout(timer);
    return drained;
  }
}
