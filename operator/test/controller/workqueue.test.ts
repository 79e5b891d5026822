import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_WORKQUEUE, WorkQueue, backoffDelay } from '../../src/controller/workqueue';

const PENDING = Symbol('pending');

/** What `promise` resolved to within `ms`, or PENDING when it is still waiting. */
async function settledWithin<T>(promise: Promise<T>, ms = 15): Promise<T | typeof PENDING> {
  return Promise.race([promise, sleep(ms).then((): typeof PENDING => PENDING)]);
}

describe('WorkQueue', () => {
  let queue: WorkQueue;

  beforeEach(() => {
    queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 40 });
  });

  afterEach(() => queue.shutDown());

  it('hands a key added twice while queued out once', async () => {
    queue.add('ml/imdb');
    queue.add('ml/imdb');
    assert.equal(queue.length, 1);
    assert.equal(await queue.get(), 'ml/imdb');
    assert.equal(queue.length, 0);
    assert.equal(await settledWithin(queue.get()), PENDING);
  });

  it('hands keys out in the order they were added', async () => {
    queue.add('a/1');
    queue.add('b/2');
    queue.add('a/1');
    assert.deepEqual([await queue.get(), await queue.get()], ['a/1', 'b/2']);
  });

  it('blocks get() until a key is added', async () => {
    const next = queue.get();
    assert.equal(await settledWithin(next), PENDING);
    queue.add('ml/imdb');
    assert.equal(await next, 'ml/imdb');
    assert.equal(queue.inFlight, 1);
    assert.equal(queue.length, 0);
  });

  it('serves blocked workers first come, first served', async () => {
    const first = queue.get();
    const second = queue.get();
    queue.add('a/1');
    queue.add('b/2');
    assert.deepEqual(await Promise.all([first, second]), ['a/1', 'b/2']);
  });

  it('hands a key added while it is processed out again only after done(), never to two workers', async () => {
    queue.add('ml/imdb');
    assert.equal(await queue.get(), 'ml/imdb');
    const other = queue.get();
    queue.add('ml/imdb');
    queue.add('ml/imdb');
    assert.equal(queue.length, 0, 'a key being processed is not queued');
    assert.equal(await settledWithin(other), PENDING, 'a second worker got a key still being processed');
    queue.done('ml/imdb');
    assert.equal(await other, 'ml/imdb');
    queue.done('ml/imdb');
    assert.equal(
      await settledWithin(queue.get()),
      PENDING,
      'the two adds while processing ran more than once',
    );
  });

  it('lets other keys through while one is processed', async () => {
    queue.add('a/1');
    assert.equal(await queue.get(), 'a/1');
    queue.add('a/1');
    queue.add('b/2');
    assert.equal(await queue.get(), 'b/2');
    queue.done('a/1');
    assert.equal(await queue.get(), 'a/1');
  });

  it('does not re-queue a key that was not added again while processed', async () => {
    queue.add('ml/imdb');
    await queue.get();
    queue.done('ml/imdb');
    assert.equal(queue.length, 0);
    assert.equal(queue.inFlight, 0);
  });

  it('releases workers blocked in get() with undefined on shutDown()', async () => {
    const first = queue.get();
    const second = queue.get();
    queue.shutDown();
    assert.deepEqual(await Promise.all([first, second]), [undefined, undefined]);
    assert.equal(await queue.get(), undefined);
  });

  it('ignores keys added after shutDown()', async () => {
    queue.shutDown();
    queue.add('ml/imdb');
    queue.addAfter('ml/imdb', 5);
    assert.equal(queue.length, 0);
    assert.equal(await queue.get(), undefined);
  });

  it('adds a key after the delay given to addAfter', async () => {
    queue.addAfter('ml/imdb', 20);
    assert.equal(queue.length, 0);
    assert.equal(await settledWithin(queue.get(), 100), 'ml/imdb');
  });

  it('adds a key at once when addAfter is given no delay', () => {
    queue.addAfter('ml/imdb', 0);
    assert.equal(queue.length, 1);
  });

  it('keeps the earlier delay when a shorter one follows a longer one', async () => {
    queue.addAfter('ml/imdb', 50);
    queue.addAfter('ml/imdb', 10);
    await sleep(25);
    assert.equal(queue.length, 1, 'the shorter delay did not replace the longer one');
    assert.equal(await queue.get(), 'ml/imdb');
    queue.done('ml/imdb');
    await sleep(40);
    assert.equal(queue.length, 0, 'the replaced longer delay still fired');
  });

  it('keeps the earlier delay when a longer one follows a shorter one', async () => {
    queue.addAfter('ml/imdb', 10);
    queue.addAfter('ml/imdb', 50);
    await sleep(25);
    assert.equal(queue.length, 1, 'the longer delay postponed the shorter one');
    assert.equal(await queue.get(), 'ml/imdb');
    queue.done('ml/imdb');
    await sleep(40);
    assert.equal(queue.length, 0, 'the longer delay was scheduled as well');
  });

  it('drops pending delays on shutDown()', async () => {
    queue.addAfter('ml/imdb', 10);
    queue.shutDown();
    await sleep(25);
    assert.equal(queue.length, 0);
  });

  it('retries a failed key after a delay that doubles per failure up to maxDelayMs', async () => {
    assert.deepEqual(
      [1, 2, 3, 4].map(() => queue.addRateLimited('ml/imdb')),
      [10, 20, 40, 40],
    );
    assert.equal(queue.retries('ml/imdb'), 4);
    assert.equal(queue.length, 0, 'a rate-limited key was queued at once');
    assert.equal(await settledWithin(queue.get(), 100), 'ml/imdb');
  });

  it('counts failures per key', () => {
    queue.addRateLimited('a/1');
    queue.addRateLimited('a/1');
    assert.equal(queue.addRateLimited('b/2'), 10);
    assert.equal(queue.retries('a/1'), 2);
    assert.equal(queue.retries('b/2'), 1);
  });

  it('starts the backoff over after forget()', () => {
    queue.addRateLimited('ml/imdb');
    queue.addRateLimited('ml/imdb');
    queue.forget('ml/imdb');
    assert.equal(queue.retries('ml/imdb'), 0);
    assert.equal(queue.addRateLimited('ml/imdb'), 10);
  });
});

describe('backoffDelay', () => {
  const options = { baseDelayMs: 500, maxDelayMs: 8_000 };

  it('waits baseDelayMs after the first failure and doubles per further failure', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(n, options)),
      [500, 1_000, 2_000, 4_000, 8_000],
    );
  });

  it('never exceeds maxDelayMs, even after very many failures', () => {
    assert.equal(backoffDelay(6, options), 8_000);
    assert.equal(backoffDelay(5_000, options), 8_000);
  });

  it('treats zero failures like the first', () => {
    assert.equal(backoffDelay(0, options), 500);
  });

  it('defaults to half a second, capped at five minutes', () => {
    assert.equal(backoffDelay(1, DEFAULT_WORKQUEUE), 500);
    assert.equal(backoffDelay(30, DEFAULT_WORKQUEUE), 300_000);
  });
});
