// A rate-limited, de-duplicating work queue in the shape of client-go's: a key is queued at most once,
// is never processed by two workers at the same time, and a key added while it is being processed is
// processed again afterwards. Watch events only add keys; reconcilers read the current state themselves,
// so collapsing many events into one run loses nothing.

export interface WorkQueueOptions {
  /** First retry delay after a failure; doubles per consecutive failure of the same key. */
  baseDelayMs: number;
  /** Upper bound of the retry delay. */
  maxDelayMs: number;
}

export const DEFAULT_WORKQUEUE: WorkQueueOptions = { baseDelayMs: 500, maxDelayMs: 5 * 60_000 };

/** The retry delay after `failures` consecutive failures (1 = first). Pure, so it is unit-tested. */
export function backoffDelay(failures: number, options: WorkQueueOptions): number {
  const exp = options.baseDelayMs * 2 ** Math.max(0, failures - 1);
  return Math.min(options.maxDelayMs, exp);
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting in `queue` or waiting to be re-queued once their worker is done. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = DEFAULT_WORKQUEUE) {}

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done() re-queues it
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds `key` after `delayMs`; when a delay for the same key is already pending, the earlier one wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const due = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.due <= due) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { due, timer });
  }

  /**
   * Counts a failure of `key` and re-queues it after `delayMs`, by default its backoff delay; returns
   * the delay.
   */
  addRateLimited(key: string, delayMs?: number): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = delayMs ?? backoffDelay(failures, this.options);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue shuts down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Stops handing out keys; workers blocked in get() receive undefined. Pending delays are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get isShutDown(): boolean {
    return this.shuttingDown;
  }

  /** Keys currently being processed (shutdown waits for them). */
  get inFlight(): number {
    return this.processing.size;
  }
}
