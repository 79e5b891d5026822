// One watched kind as an informer: @kubernetes/client-node's ListWatch (a list, then a watch from its
// resourceVersion, kept in an in-memory cache) plus what it leaves to its caller: restarting after an
// error, with backoff, in this process, and making its life visible (connects, relists, errors as
// metrics and log lines).
//
// What ListWatch does itself (client-node 0.22.3, src/cache.ts): a watch that ends cleanly resumes
// from the last resourceVersion it saw; a watch answered with 410 Gone (the resourceVersion was
// compacted away) lists again, and the list's differences with the cache come out as add, update and
// delete callbacks, so an object deleted while nobody watched still produces a delete. Any other
// error stops it and calls its error callbacks: that is where this class takes over.
//
// Two gaps of ListWatch are closed here, both by wrapping what it is given rather than patching it:
// - a list or watch request that fails inside its own restart path would be an unhandled rejection
//   (which ends a Node process), so the list and watch functions it calls never reject: they report
//   the failure here and leave that attempt unfinished; this class starts a fresh one;
// - a watch it aborted can still deliver its close, which would start a second watch beside the new
//   one; events and closes of an aborted watch are dropped.
import { ListWatch, type KubernetesObject, type Watch } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { KubeObject } from './children';

export type Change = 'add' | 'update' | 'delete';

export interface InformerEvents {
  /** An object appeared, changed or disappeared (from a watch event or from the difference a list shows). */
  onChange(change: Change, object: KubeObject): void;
}

export interface InformerMetrics {
  countWatchEvent(resource: string, event: WatchLifecycleEvent): void;
}

export type WatchLifecycleEvent = 'connect' | 'relist' | 'error';

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** client-go's reflector backs off from 0.8 s to 30 s; a little faster at first, as an API server restart takes seconds. */
export const DEFAULT_WATCH_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 30_000 };

/** The wait before restart number `failures` (1 = the first after a success). Pure. */
export function watchRetryDelayMs(failures: number, options: BackoffOptions = DEFAULT_WATCH_BACKOFF): number {
  return Math.min(options.maxMs, options.minMs * 2 ** Math.max(0, failures - 1));
}

export type ListFn = () => Promise<ListResult>;
type ListResult = Awaited<ReturnType<ConstructorParameters<typeof ListWatch<KubernetesObject>>[2]>>;

/** The watch request as ListWatch handles it. */
interface WatchRequest {
  abort(): void;
  removeAllListeners(event: string): void;
  on(event: string, listener: () => void): void;
}

export interface InformerOptions {
  /** The plural, for metrics and logs. */
  resource: string;
  apiVersion: string;
  kind: string;
  /** The API path of the collection (`/apis/apps/v1/namespaces/x/deployments`). */
  path: string;
  list: ListFn;
  watch: Watch;
  events: InformerEvents;
  metrics: InformerMetrics;
  logger: Logger;
  backoff?: BackoffOptions;
}

export class Informer {
  private readonly lw: ListWatch<KubernetesObject>;
  private readonly log: Logger;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private listed = false;
  private syncedResolve: (() => void) | undefined;
  /** Resolves once the first list is in the cache. */
  readonly synced: Promise<void>;

  constructor(private readonly options: InformerOptions) {
    this.log = options.logger.child({ informer: options.resource });
    this.synced = new Promise((resolve) => (this.syncedResolve = resolve));
    this.lw = new ListWatch<KubernetesObject>(
      options.path,
      this.guardedWatch(),
      () => this.guardedList(),
      false,
    );
    for (const change of ['add', 'update', 'delete'] as const) {
      this.lw.on(change, (object: KubernetesObject) => options.events.onChange(change, this.typed(object)));
    }
    this.lw.on('error', (error: unknown) => this.failed('watch', error));
  }

  /** Starts listing and watching; resolves when the first list is cached (retrying until it is, or stop()). */
  async start(): Promise<void> {
    this.stopped = false;
    this.attempt();
    await this.synced;
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    void this.lw.stop();
  }

  get(namespace: string, name: string): KubeObject | undefined {
    const object = this.lw.get(name, namespace);
    return object ? this.typed(object) : undefined;
  }

  list(namespace?: string): KubeObject[] {
    return this.lw.list(namespace).map((o) => this.typed(o));
  }

  get isSynced(): boolean {
    return this.listed;
  }

  private attempt(): void {
    if (this.stopped) return;
    // ListWatch.start() resumes from its last resourceVersion, or lists when it has none (first
    // start, after 410 Gone). Its failures come back through failed(), never as a rejection here.
    this.lw.start().catch((error: unknown) => this.failed('start', error));
  }

  private failed(stage: 'list' | 'watch' | 'start', error: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.failures += 1;
    const delayMs = watchRetryDelayMs(this.failures, this.options.backoff);
    this.options.metrics.countWatchEvent(this.options.resource, 'error');
    this.log.warn('watch failed; restarting', {
      stage,
      retryInMs: delayMs,
      failures: this.failures,
      resourceVersion: this.lw.latestResourceVersion() || undefined,
      error: describe(error),
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.attempt();
    }, delayMs);
  }

  private async guardedList(): Promise<ListResult> {
    const relist = this.listed;
    try {
      const result = await this.options.list();
      for (const item of result.body.items) slim(item);
      if (relist) {
        this.options.metrics.countWatchEvent(this.options.resource, 'relist');
        this.log.info('listed again', { items: result.body.items.length });
      }
      return result;
    } catch (error) {
      this.failed('list', error);
      return new Promise(() => undefined); // this attempt ends here; failed() scheduled the next one
    }
  }

  private guardedWatch(): Watch {
    const inner = this.options.watch;
    const watch = async (
      path: string,
      query: Record<string, unknown>,
      callback: (phase: string, object: unknown, watchObject?: unknown) => void,
      done: (error: unknown) => void,
    ): Promise<WatchRequest> => {
      let aborted = false;
      let eventsSeen = false;
      this.options.metrics.countWatchEvent(this.options.resource, 'connect');
      this.log.debug('watching', { resourceVersion: query.resourceVersion || undefined });
      try {
        const request = (await inner.watch(
          path,
          query,
          (phase, object, watchObject) => {
            if (aborted) return;
            if (!eventsSeen && phase !== 'ERROR') {
              eventsSeen = true;
              this.failures = 0; // a watch that delivers events is a recovered one
            }
            callback(phase, slim(object as KubernetesObject), watchObject);
          },
          (error) => {
            if (aborted) return;
            aborted = true;
            if (!error) this.failures = 0;
            done(error);
          },
        )) as unknown as WatchRequest;
        // ListWatch opens a watch right after it applied a list (or to resume): the cache is current.
        if (!this.listed) {
          this.listed = true;
          this.syncedResolve?.();
        }
        return {
          abort: () => {
            aborted = true;
            request.abort();
          },
          removeAllListeners: (event) => request.removeAllListeners(event),
          on: (event, listener) => request.on(event, listener),
        };
      } catch (error) {
        this.failed('watch', error);
        return { abort: () => undefined, removeAllListeners: () => undefined, on: () => undefined };
      }
    };
    return { watch } as unknown as Watch;
  }

  /** List items come without apiVersion and kind; the reconciler compares whole objects, so add them. */
  private typed(object: KubernetesObject): KubeObject {
    if (!object.apiVersion) object.apiVersion = this.options.apiVersion;
    if (!object.kind) object.kind = this.options.kind;
    return object as KubeObject;
  }
}

/**
 * Drops metadata.managedFields, a third or more of a child's size, before the object is cached: the
 * reconciler never reads them (server-side apply keeps them on the server, and an update without
 * them leaves them as they are), and 500 models' children fit the memory budget without them.
 */
export function slim<T extends KubernetesObject>(object: T): T {
  if (object?.metadata?.managedFields) delete object.metadata.managedFields;
  return object;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { statusCode?: number }).statusCode;
    return status ? `HTTP ${status}: ${error.message}` : error.message;
  }
  const status = error as { code?: unknown; message?: unknown } | undefined;
  if (status && typeof status === 'object' && 'code' in status)
    return `HTTP ${String(status.code)}: ${String(status.message ?? '')}`;
  return String(error);
}
