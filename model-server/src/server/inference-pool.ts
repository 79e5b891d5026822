// The main thread's side of the inference threads: starts them (each loads the model and runs a
// warm-up batch), hands each batch to an idle one, and reports a thread that dies, which leaves
// the server unable to answer and so is fatal. Closing lets every batch under way finish and
// then asks each thread to leave on its own: terminating a thread inside an onnxruntime call
// aborts the whole process (SIGABRT).
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelMetadata } from '../model/metadata';
import type { Predictions } from '../model/onnx-model';

export interface WorkerData {
  bytes: Uint8Array;
  described: { metadata: ModelMetadata; sha256: string };
  warmupTexts: string[];
}
export type WorkerRequest = { type: 'run'; id: number; texts: string[] } | { type: 'stop' };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; predictions: Predictions }
  | { type: 'error'; id: number; message: string };

interface Call {
  texts: string[];
  resolve(predictions: Predictions): void;
  reject(err: Error): void;
}

/** A batch of varied lengths, so the first real requests meet warmed-up allocations. */
export function warmupTexts(count: number): string[] {
  const words = ['a', 'wonderful', 'film', 'with', 'terrible', 'acting', 'and', 'great', 'music'];
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: 1 + ((i * 37) % 200) }, (_, j) => words[(i + j) % words.length]).join(' '),
  );
}

export class InferencePool {
  private readonly idle: Worker[] = [];
  private readonly backlog: Call[] = [];
  private readonly calls = new Map<number, Call>();
  private nextId = 0;
  private closing = false;
  /** resolves when no call is under way */
  private idleWaiters: (() => void)[] = [];

  private constructor(
    private readonly workers: Worker[],
    private readonly onFatal: (err: Error) => void,
  ) {}

  /** Resolves once every thread has loaded the model and run the warm-up batch. */
  static async start(
    bytes: Uint8Array,
    described: WorkerData['described'],
    threads: number,
    warmupBatch: number,
    onFatal: (err: Error) => void,
  ): Promise<InferencePool> {
    // one copy of the file, shared by every thread, instead of one structured clone each
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    const data: WorkerData = { bytes: shared, described, warmupTexts: warmupTexts(warmupBatch) };
    const workers = Array.from(
      { length: threads },
      () => new Worker(join(__dirname, 'inference-worker.js'), { workerData: data }),
    );
    const pool = new InferencePool(workers, onFatal);
    try {
      await Promise.all(workers.map((w) => pool.attach(w)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private attach(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          started = true;
          this.release(worker);
          resolve();
        } else if (msg.type === 'failed') {
          reject(new Error(msg.message));
        } else {
          const call = this.calls.get(msg.id)!;
          this.calls.delete(msg.id);
          this.release(worker);
          if (this.calls.size === 0) for (const w of this.idleWaiters.splice(0)) w();
          if (msg.type === 'result') call.resolve(msg.predictions);
          else call.reject(new Error(`inference failed: ${msg.message}`));
        }
      });
      const died = (err: Error): void => {
        if (!started) reject(err);
        else if (!this.closing) this.onFatal(err);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`inference thread exited with code ${code}`)));
    });
  }

  run(texts: string[]): Promise<Predictions> {
    if (this.closing) return Promise.reject(new Error('server stopped'));
    return new Promise((resolve, reject) => {
      this.backlog.push({ texts, resolve, reject });
      this.pump();
    });
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.pump();
  }

  private pump(): void {
    while (this.idle.length > 0 && this.backlog.length > 0) {
      const call = this.backlog.shift()!;
      const id = this.nextId++;
      this.calls.set(id, call);
      this.idle.pop()!.postMessage({ type: 'run', id, texts: call.texts } satisfies WorkerRequest);
    }
  }

  /**
   * Refuses new batches, waits for those under way, then lets every thread exit by itself. After
   * `timeoutMs` in all (a thread that died mid-batch never answers) it returns anyway, and what is
   * left ends with the process.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    for (const call of this.backlog) call.reject(new Error('server stopped'));
    this.backlog.length = 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs).unref()));
    if (this.calls.size > 0) {
      await Promise.race([new Promise<void>((r) => this.idleWaiters.push(r)), deadline]);
    }
    const exits = this.workers.map(
      (w) => new Promise<void>((r) => (w.threadId === -1 ? r() : w.once('exit', () => r()))),
    );
    for (const w of this.workers) w.postMessage({ type: 'stop' } satisfies WorkerRequest);
    await Promise.race([Promise.all(exits), deadline]);
    clearTimeout(timer);
  }
}
