// The operator's event loop, one leadership term long:
//
//   informers (SentimentModels, and each child kind the cluster serves)
//     → keys of the models concerned → work queue → `concurrency` workers → Reconciler.reconcile
//
// @dot-i/k8s-operator's Operator is the base (its KubeConfig, start() → init()), with watchResource
// overridden: the framework's own watch ends the process on any watch error (docs/architecture.md),
// while an informer here restarts in-process with backoff and keeps a cache the reconciler reads.
import Operator, { ResourceEventType, type ResourceEvent } from '@dot-i/k8s-operator';
import { Watch } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import {
  API_GROUP,
  API_GROUP_VERSION,
  API_VERSION,
  KIND,
  LABEL_INSTANCE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  PLURAL,
} from '../api/names';
import type { OperatorConfig } from '../config';
import type { OperatorMetrics } from '../observability/metrics';
import { DriftEvaluator } from '../drift/evaluator';
import { CHILD_KINDS, type ChildKind, type KubeObject } from './children';
import { controllerOf } from './diff';
import { errorPolicy } from './error-policy';
import { EventRecorder } from './events';
import { Informer } from './informer';
import { CachedKube, KubeClient, MODEL_KIND, POD_KIND, collectionPath, describeError } from './kube';
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

const WATCHABLE: readonly ChildKind[] = [MODEL_KIND, ...CHILD_KINDS, POD_KIND];

const PHASES = {
  add: ResourceEventType.Added,
  update: ResourceEventType.Modified,
  delete: ResourceEventType.Deleted,
};

export class SentimentModelController extends Operator {
  /** This leadership term's queue; a term that ends shuts it down, the next term gets a new one. */
  queue = new WorkQueue(DEFAULT_WORKQUEUE);
  /** By plural: the caches the reconciler reads. */
  private readonly informers = new Map<string, Informer>();
  private readonly api: KubeClient;
  private readonly reconciler: Reconciler;
  private readonly capabilities: CapabilityCache;
  private readonly drift: DriftEvaluator | undefined;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private leading = false;

  constructor(
    private readonly options: ControllerOptions,
    private readonly log: Logger,
    private readonly metrics: OperatorMetrics,
  ) {
    super(adapt(log));
    this.api = new KubeClient(this.kubeConfig, metrics);
    const kube = new CachedKube(this.api, this.informers);
    this.capabilities = new CapabilityCache(kube);
    const events = new EventRecorder(kube, log, options.identity);
    this.drift = options.drift
      ? new DriftEvaluator({
          defaultPrometheusUrl: options.config.prometheusUrl,
          allowModelPrometheusUrl: options.config.allowModelPrometheusUrl,
          maxResponseBytes: options.config.prometheusMaxResponseBytes,
          metrics,
          logger: log,
          onChange: (key) => this.queue.add(key),
        })
      : undefined;
    this.reconciler = new Reconciler(kube, options.config, this.capabilities, events, log, this.drift);
  }

  /** The informers hold their first lists (and, when leading, the workers run). */
  get started(): boolean {
    return this.synced;
  }

  /**
   * The watched kinds, declared in one place: SentimentModels, and each child kind the cluster serves.
   * The informers run for the life of the process, leading or not (as controller-runtime's caches
   * do): losing and winning the lease again then costs no list, and a standby takes over warm.
   */
  protected async init(): Promise<void> {
    const ns = this.options.watchNamespace || undefined;
    const started = [this.watchResource(API_GROUP, API_VERSION, PLURAL, async (e) => this.onModel(e), ns)];
    const capabilities = await this.capabilities.get();
    for (const kind of CHILD_KINDS) {
      if (kind.optional && !capabilities.served.has(`${kind.apiVersion}/${kind.kind}`)) continue;
      const [group, version] = kind.apiVersion.includes('/')
        ? kind.apiVersion.split('/')
        : ['', kind.apiVersion];
      started.push(this.watchResource(group, version, kind.plural, async (e) => this.onChild(e), ns));
    }
    // Pods: a change of their state (a crash loop, a failed model download) can change the model's status.
    started.push(this.watchResource('', 'v1', POD_KIND.plural, async (e) => this.onPod(e), ns));
    await Promise.all(started);
    this.synced = true;
    this.log.info('informers synced', { namespace: ns ?? '(all)', informers: [...this.informers.keys()] });
  }

  /**
   * Starts a leadership term: workers take keys, every cached model is queued once, drift is
   * evaluated. Workers start only once every cache holds its first list, so no reconcile reads a
   * half-filled cache.
   */
  async lead(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    await this.startInformers();
    if (!this.leading) return; // the term ended while the informers listed
    this.queue = new WorkQueue(DEFAULT_WORKQUEUE);
    this.queueAllModels();
    this.drift?.start();
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work(this.queue));
    this.resyncTimer = setInterval(() => this.queueAllModels(), this.options.resyncPeriodMs);
    this.resyncTimer.unref();
    this.log.info('controller started', {
      concurrency: this.options.concurrency,
      resyncPeriodMs: this.options.resyncPeriodMs,
      models: this.informers.get(PLURAL)?.list().length ?? 0,
    });
  }

  /** Ends the term: no new keys, running reconciles finish (up to `timeoutMs`); returns whether they did. */
  async endTerm(timeoutMs: number): Promise<boolean> {
    this.leading = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    this.queue.shutDown();
    this.drift?.stop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([Promise.all(this.workers).then(() => true as const), timeout]);
    clearTimeout(timer);
    this.workers = [];
    return drained;
  }

  private informersStarting: Promise<void> | undefined;

  /** The framework's start() (→ init()), once per process. */
  startInformers(): Promise<void> {
    this.informersStarting ??= this.start();
    return this.informersStarting;
  }

  private queueAllModels(): void {
    for (const model of this.informers.get(PLURAL)?.list() ?? []) {
      this.queue.add(modelKey(model.metadata?.namespace ?? '', model.metadata?.name ?? ''));
    }
  }

  /**
   * The framework's watch, replaced by an informer: list, watch from the list's resourceVersion,
   * relist on 410 Gone, restart with backoff on errors, all in this process. Resolves once the first
   * list is cached.
   */
  protected override async watchResource(
    group: string,
    version: string,
    plural: string,
    onEvent: (event: ResourceEvent) => Promise<void>,
    namespace?: string,
  ): Promise<void> {
    const apiVersion = group ? `${group}/${version}` : version;
    const kind = WATCHABLE.find((k) => k.plural === plural && k.apiVersion === apiVersion);
    if (!kind) throw new Error(`no watchable kind ${plural}.${apiVersion}`);
    const watch = new Watch(this.kubeConfig);
    const counted = {
      watch: (...args: Parameters<Watch['watch']>) => {
        this.api.countWatch(kind);
        return watch.watch(...args);
      },
    } as Watch;
    const informer = new Informer({
      resource: plural,
      apiVersion,
      kind: kind.kind,
      path: collectionPath(kind, namespace ?? ''),
      list: () => this.api.list(kind, namespace ?? ''),
      watch: counted,
      events: {
        onChange: (change, object) => {
          const meta = object.metadata ?? {};
          void onEvent({
            type: PHASES[change],
            object,
            meta: {
              id: `${plural}.${apiVersion}`,
              name: meta.name ?? '',
              namespace: meta.namespace,
              resourceVersion: meta.resourceVersion ?? '',
              apiVersion,
              kind: kind.kind,
            },
          });
        },
      },
      metrics: this.metrics,
      logger: this.log,
    });
    this.informers.set(plural, informer);
    await informer.start();
    this.log.info('informer synced', { resource: plural, objects: informer.list().length });
  }

  private async onModel(event: ResourceEvent): Promise<void> {
    const { name, namespace } = event.meta;
    if (!namespace) return;
    const key = modelKey(namespace, name);
    if (event.type === ResourceEventType.Deleted) {
      this.drift?.forget(key);
      this.metrics.forgetModel(namespace, name);
    } else {
      this.queue.add(key);
    }
    this.metrics.setManagedModels(this.informers.get(PLURAL)?.list().length ?? 0);
    this.metrics.setQueueDepth(this.queue.length);
  }

  private async onPod(event: ResourceEvent): Promise<void> {
    const labels = (event.object as KubeObject).metadata?.labels ?? {};
    const model = labels[LABEL_INSTANCE];
    const namespace = event.meta.namespace;
    if (!model || !namespace || labels[LABEL_MANAGED_BY] !== MANAGED_BY) return;
    this.queue.add(modelKey(namespace, model));
    this.metrics.setQueueDepth(this.queue.length);
  }

  private async onChild(event: ResourceEvent): Promise<void> {
    const key = ownerKey(event.object as KubeObject);
    if (key) this.queue.add(key);
    this.metrics.setQueueDepth(this.queue.length);
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const [namespace, name] = splitKey(key);
      const started = process.hrtime.bigint();
      try {
        const result = await this.reconciler.reconcile(namespace, name);
        queue.forget(key);
        if (result.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
          this.observe('requeue', started);
        } else {
          this.observe('success', started);
        }
      } catch (error) {
        const retry = errorPolicy(error, queue.retries(key) + 1);
        queue.addRateLimited(key, retry.delayMs);
        this.metrics.countRetry();
        this.metrics.countReconcileError(retry.label);
        this.observe('error', started);
        this.log.warn('reconcile failed; retrying', {
          namespace,
          sentimentmodel: name,
          reason: retry.label,
          retryInMs: retry.delayMs,
          retries: queue.retries(key),
          error: describeError(error),
        });
      } finally {
        queue.done(key);
        this.metrics.setQueueDepth(queue.length);
      }
    }
  }

  private observe(result: 'success' | 'error' | 'requeue', started: bigint): void {
    this.metrics.observeReconcile(result, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** The framework's stop(): ends the informers. */
  override stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }

  /** Ends the term and the informers; returns whether running reconciles finished within `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<boolean> {
    const drained = await this.endTerm(timeoutMs);
    this.stop();
    this.synced = false;
    return drained;
  }
}
