// Micro-batching: texts from concurrent requests are coalesced into one model call.
//
// A batch is cut as soon as MAX_BATCH_SIZE texts wait, or when BATCH_WINDOW_MS has passed since
// the oldest waiting text arrived. At most `concurrency` calls run at once (one per inference
// thread). Texts that arrive while every thread is busy are already waiting for a thread, so they
// do not wait for the window again: they leave with the next free thread (up to the batch size).
// Under load the threads therefore never idle while texts wait, and batches grow with the load
// instead of queueing up small; when a thread is idle, the window gathers concurrent texts into
// one call. A request's texts may be split over consecutive batches; its rows are put back
// together in order. A request whose `gone` aborts (its client left) has its waiting texts taken
// out of the queue: only a batch already handed to a thread is still computed.

/**
 * Says that a request's client has left. A plain object with AbortSignal's `aborted` and `onabort`
 * (an AbortSignal fits too): one per request, and an AbortController per request cost 4 % of the
 * main thread's time under load.
 */
export interface Gone {
  readonly aborted: boolean;
  onabort: (() => void) | null;
}

/** Runs the model on `texts`; returns `texts.length * width` numbers, row-major. */
export type RunBatch = (texts: string[]) => Promise<Float32Array>;

export interface BatcherOptions {
  maxBatchSize: number;
  windowMs: number;
  concurrency: number;
  /** numbers per text in the model's output */
  width: number;
}

interface Job {
  texts: readonly string[];
  out: Float32Array;
  remaining: number;
  settled: boolean;
  resolve(out: Float32Array): void;
  reject(err: Error): void;
  /** removes the abort listener */
  done(): void;
}

/** `job.texts[start, end)` */
interface Segment {
  job: Job;
  start: number;
  end: number;
}

export class Batcher {
  private queue: Segment[] = [];
  private waiting = 0;
  private running = 0;
  private due = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: RunBatch,
    private readonly opts: BatcherOptions,
  ) {}

  /** Texts waiting for a batch. */
  get pending(): number {
    return this.waiting;
  }

  /** Model calls under way. */
  get inFlight(): number {
    return this.running;
  }

  /** `gone` is one request's: its `onabort` is taken for the job's lifetime. */
  submit(texts: readonly string[], gone?: Gone): Promise<Float32Array> {
    if (texts.length === 0) return Promise.resolve(new Float32Array(0));
    if (gone?.aborted) return Promise.reject(new Error('the client has gone'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        texts,
        out: new Float32Array(texts.length * this.opts.width),
        remaining: texts.length,
        settled: false,
        resolve: (out) => {
          job.done();
          resolve(out);
        },
        reject: (err) => {
          job.done();
          reject(err);
        },
        done: () => {
          if (gone) gone.onabort = null;
        },
      };
      if (gone) gone.onabort = () => this.cancel(job);
      this.queue.push({ job, start: 0, end: texts.length });
      this.waiting += texts.length;
      if (this.running >= this.opts.concurrency || this.opts.windowMs <= 0) this.due = true;
      else if (!this.due && this.timer === undefined)
        this.timer = setTimeout(this.windowEnded, this.opts.windowMs);
      this.drain();
    });
  }

  /** Takes the job's waiting texts out of the queue and rejects it. */
  private cancel(job: Job): void {
    if (job.settled) return;
    let dropped = 0;
    this.queue = this.queue.filter((seg) => {
      if (seg.job !== job) return true;
      dropped += seg.end - seg.start;
      return false;
    });
    this.waiting -= dropped;
    job.settled = true;
    job.reject(new Error('the client has gone'));
    this.drain();
  }

  private readonly windowEnded = (): void => {
    this.timer = undefined;
    this.due = true;
    this.drain();
  };

  private drain(): void {
    while (
      this.running < this.opts.concurrency &&
      this.waiting > 0 &&
      (this.due || this.waiting >= this.opts.maxBatchSize)
    ) {
      this.dispatch();
    }
    if (this.waiting === 0) {
      this.due = false;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private dispatch(): void {
    const size = Math.min(this.opts.maxBatchSize, this.waiting);
    const texts = new Array<string>(size);
    const parts: Segment[] = [];
    for (let k = 0; k < size;) {
      const seg = this.queue[0];
      const n = Math.min(seg.end - seg.start, size - k);
      for (let i = 0; i < n; i++) texts[k + i] = seg.job.texts[seg.start + i];
      parts.push({ job: seg.job, start: seg.start, end: seg.start + n });
      k += n;
      if (seg.start + n === seg.end) this.queue.shift();
      else seg.start += n;
    }
    this.waiting -= size;
    this.running++;
    let call: Promise<Float32Array>;
    try {
      call = this.run(texts);
    } catch (err) {
      call = Promise.reject(err);
    }
    call
      .then(
        (out) => this.deliver(parts, size, out),
        (err: unknown) => this.fail(parts, err instanceof Error ? err : new Error(String(err))),
      )
      .finally(() => {
        this.running--;
        this.drain();
      });
  }

  private deliver(parts: Segment[], size: number, out: Float32Array): void {
    const w = this.opts.width;
    if (out.length !== size * w) {
      this.fail(parts, new Error(`the model returned ${out.length} numbers for ${size} texts`));
      return;
    }
    let offset = 0;
    for (const { job, start, end } of parts) {
      const n = end - start;
      job.out.set(out.subarray(offset * w, (offset + n) * w), start * w);
      offset += n;
      job.remaining -= n;
      if (job.remaining === 0 && !job.settled) {
        job.settled = true;
        job.resolve(job.out);
      }
    }
  }

  private fail(parts: Segment[], err: Error): void {
    for (const { job } of parts) {
      if (job.settled) continue;
      job.settled = true;
      job.reject(err);
    }
  }
}
