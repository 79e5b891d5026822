import { strict as assert } from 'node:assert';
import { Batcher, type Gone } from '../src/server/batcher';

/** A fake model: row i of a batch is [length of text, index of the text within its batch]. */
function recorder(delayMs = 0) {
  const calls: string[][] = [];
  let running = 0;
  let maxRunning = 0;
  const run = async (texts: string[]): Promise<Float32Array> => {
    calls.push(texts);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, delayMs));
    running--;
    return Float32Array.from(texts.flatMap((t) => [t.length, Number(t.split(':')[1] ?? -1)]));
  };
  return { calls, run, maxRunning: () => maxRunning };
}

const text = (id: number): string => `${'x'.repeat(id % 7)}:${id}`;
const rows = (out: Float32Array): number[][] =>
  Array.from({ length: out.length / 2 }, (_, i) => [out[2 * i], out[2 * i + 1]]);

/** What app.ts does when a client leaves. */
function leave(gone: Gone & { aborted: boolean }): void {
  gone.aborted = true;
  gone.onabort?.();
}

describe('micro-batcher', () => {
  it('drops the waiting texts of a request whose client left, and computes the others', async () => {
    const fake = recorder(30);
    const b = new Batcher(fake.run, { maxBatchSize: 2, windowMs: 0, concurrency: 1, width: 2 });
    const first = b.submit([text(1), text(2)]); // dispatched at once: computed whatever happens
    const goneA = { aborted: false, onabort: null };
    const left = b.submit([text(3), text(4), text(5)], goneA);
    const stays = b.submit([text(6)], { aborted: false, onabort: null });
    assert.equal(b.pending, 4);
    leave(goneA);
    assert.equal(b.pending, 1);
    await assert.rejects(left, /the client has gone/);
    assert.deepEqual(rows(await stays), [[text(6).length, 6]]);
    await first;
    assert.deepEqual(fake.calls, [[text(1), text(2)], [text(6)]]);
    // a request that has already left is refused without queueing
    await assert.rejects(b.submit([text(7)], { aborted: true, onabort: null }), /the client has gone/);
    assert.equal(goneA.onabort, null, 'the listener is dropped once the job is settled');
  });

  it('coalesces concurrent submissions into one call and gives every caller its own rows in order', async () => {
    const fake = recorder();
    const b = new Batcher(fake.run, { maxBatchSize: 64, windowMs: 5, concurrency: 1, width: 2 });
    const jobs = [[1], [2, 3, 4], [5], [6, 7]].map((ids) => ids.map(text));
    const outs = await Promise.all(jobs.map((texts) => b.submit(texts)));
    assert.equal(fake.calls.length, 1);
    assert.deepEqual(fake.calls[0], jobs.flat());
    outs.forEach((out, j) =>
      assert.deepEqual(
        rows(out),
        jobs[j].map((t) => [t.length, Number(t.split(':')[1])]),
      ),
    );
  });

  it('cuts a batch at maxBatchSize without waiting for the window, splitting a request across batches', async () => {
    const fake = recorder();
    const b = new Batcher(fake.run, { maxBatchSize: 4, windowMs: 10_000, concurrency: 1, width: 2 });
    const started = Date.now();
    const big = Array.from({ length: 10 }, (_, i) => text(i));
    const [out, rest] = await Promise.all([b.submit(big), b.submit([text(10), text(11)])]);
    assert.ok(Date.now() - started < 5_000, 'full batches must not wait for the window');
    assert.deepEqual(
      fake.calls.map((c) => c.length),
      [4, 4, 4],
    );
    assert.deepEqual(
      rows(out).map((r) => r[1]),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      rows(rest).map((r) => r[1]),
      [10, 11],
    );
  });

  it('sends a partial batch once the window has passed', async () => {
    const fake = recorder();
    const b = new Batcher(fake.run, { maxBatchSize: 64, windowMs: 30, concurrency: 1, width: 2 });
    const started = Date.now();
    await b.submit([text(1)]);
    const waited = Date.now() - started;
    assert.ok(waited >= 25, `answered after ${waited} ms, before the 30 ms window`);
    assert.equal(fake.calls.length, 1);
  });

  it('sends texts that arrived while the model was busy as soon as it is free, without a new window', async () => {
    const fake = recorder(60);
    const b = new Batcher(fake.run, { maxBatchSize: 64, windowMs: 200, concurrency: 1, width: 2 });
    const started = Date.now();
    const first = b.submit([text(1)]); // waits for the window: the model is idle
    await new Promise((r) => setTimeout(r, 220)); // the first call is under way now
    const later = await Promise.all([b.submit([text(2)]), b.submit([text(3), text(4)])]);
    await first;
    const took = Date.now() - started;
    assert.deepEqual(
      fake.calls.map((c) => c.length),
      [1, 3],
    );
    assert.deepEqual(
      later.map((out) => rows(out).map((r) => r[1])),
      [[2], [3, 4]],
    );
    // window 200 + call 60 + call 60; another window would make it 520
    assert.ok(took < 420, `took ${took} ms`);
  });

  it('with a zero window sends at once', async () => {
    const fake = recorder();
    const b = new Batcher(fake.run, { maxBatchSize: 64, windowMs: 0, concurrency: 1, width: 2 });
    await b.submit([text(1)]);
    assert.equal(fake.calls.length, 1);
  });

  it('never runs more calls than its concurrency, and lets batches grow while the model is busy', async () => {
    const fake = recorder(20);
    const b = new Batcher(fake.run, { maxBatchSize: 16, windowMs: 1, concurrency: 2, width: 2 });
    const ids = Array.from({ length: 200 }, (_, i) => i);
    const outs = await Promise.all(
      ids.map((i) => new Promise<Float32Array>((r) => setTimeout(() => r(b.submit([text(i)])), i % 40))),
    );
    outs.forEach((out, i) => assert.equal(out[1], i));
    assert.ok(fake.maxRunning() <= 2, `ran ${fake.maxRunning()} calls at once`);
    assert.ok(fake.calls.every((c) => c.length <= 16));
    assert.ok(fake.calls.length < 40, `${fake.calls.length} calls for 200 texts: batches did not grow`);
    assert.equal(b.pending, 0);
    assert.equal(b.inFlight, 0);
  });

  it('rejects every request of a failed batch and keeps serving the next ones', async () => {
    let fail = true;
    const b = new Batcher(
      async (texts) => {
        if (fail) throw new Error('boom');
        return new Float32Array(texts.length * 2);
      },
      { maxBatchSize: 8, windowMs: 1, concurrency: 1, width: 2 },
    );
    const results = await Promise.allSettled([b.submit(['a']), b.submit(['b', 'c'])]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal((await b.submit(['d'])).length, 2);
  });

  it('rejects when the model answers the wrong number of rows', async () => {
    const b = new Batcher(async () => new Float32Array(1), {
      maxBatchSize: 8,
      windowMs: 0,
      concurrency: 1,
      width: 2,
    });
    await assert.rejects(b.submit(['a', 'b']), /returned 1 numbers for 2 texts/);
  });

  it('answers an empty submission without calling the model', async () => {
    const fake = recorder();
    const b = new Batcher(fake.run, { maxBatchSize: 8, windowMs: 0, concurrency: 1, width: 2 });
    assert.equal((await b.submit([])).length, 0);
    assert.equal(fake.calls.length, 0);
  });
});
