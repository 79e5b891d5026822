// The informer around client-node's ListWatch, driven by a scripted list function and watch: what it
// caches, where a watch resumes, what a 410 Gone and a failed watch or list lead to, and what it counts.
import { strict as assert } from 'node:assert';
import type { Watch } from '@kubernetes/client-node';
import winston from 'winston';
import {
  Informer,
  watchRetryDelayMs,
  type Change,
  type ListFn,
  type WatchLifecycleEvent,
} from '../../src/controller/informer';
import { CachedKube, type Kube, type ObjectCache } from '../../src/controller/kube';
import { SERVICE, type KubeObject } from '../../src/controller/children';
import { sleep } from '../support/cluster';

const silent = winston.createLogger({ silent: true });

interface OpenWatch {
  query: Record<string, unknown>;
  send(phase: string, object: unknown): void;
  close(error: unknown): void;
  aborted: boolean;
}

/** A Watch whose connections the test drives. */
function scriptedWatch(): { watch: Watch; opened: OpenWatch[] } {
  const opened: OpenWatch[] = [];
  const watch = {
    async watch(
      _path: string,
      query: Record<string, unknown>,
      callback: (phase: string, object: unknown) => void,
      done: (error: unknown) => void,
    ) {
      const w: OpenWatch = {
        query: { ...query },
        send: (phase, object) => callback(phase, object),
        close: (error) => done(error),
        aborted: false,
      };
      opened.push(w);
      return {
        abort: () => (w.aborted = true),
        removeAllListeners: () => undefined,
        on: () => undefined,
      };
    },
  } as unknown as Watch;
  return { watch, opened };
}

const svc = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ml', resourceVersion: rv },
});

/** A list answer as the API server gives it: items without apiVersion and kind. */
function listOf(rv: string, ...items: KubeObject[]): Awaited<ReturnType<ListFn>> {
  return {
    response: {} as never,
    body: {
      apiVersion: 'v1',
      kind: 'ServiceList',
      metadata: { resourceVersion: rv },
      items: items.map(({ metadata }) => ({ metadata })),
    },
  };
}

function informer(list: ListFn, watch: Watch) {
  const changes: [Change, string][] = [];
  const counted: [string, WatchLifecycleEvent][] = [];
  const inf = new Informer({
    resource: 'services',
    apiVersion: 'v1',
    kind: 'Service',
    path: '/api/v1/namespaces/ml/services',
    list,
    watch,
    events: { onChange: (change, object) => changes.push([change, object.metadata?.name ?? '']) },
    metrics: { countWatchEvent: (resource, event) => counted.push([resource, event]) },
    logger: silent,
    backoff: { minMs: 10, maxMs: 40 },
  });
  return { inf, changes, counted };
}

const until = async (what: string, check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(5);
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('Informer', () => {
  it('caches the first list, typed, and watches from its resourceVersion', async () => {
    const { watch, opened } = scriptedWatch();
    const { inf, changes, counted } = informer(async () => listOf('10', svc('a', '5'), svc('b', '6')), watch);
    await inf.start();
    assert.deepEqual(inf.get('ml', 'a'), svc('a', '5'), 'apiVersion and kind added to list items');
    assert.equal(opened.length, 1);
    assert.equal(opened[0].query.resourceVersion, '10');
    assert.deepEqual(changes, [
      ['add', 'a'],
      ['add', 'b'],
    ]);
    const modified = svc('a', '11');
    modified.metadata!.managedFields = [{ manager: 'kubectl', operation: 'Apply' }];
    opened[0].send('MODIFIED', modified);
    assert.equal(inf.get('ml', 'a')?.metadata?.resourceVersion, '11');
    assert.equal(inf.get('ml', 'a')?.metadata?.managedFields, undefined, 'managedFields are not cached');
    assert.deepEqual(counted, [['services', 'connect']]);
    inf.stop();
  });

  it('lists again after 410 Gone, and reports an object deleted in the gap as deleted', async () => {
    const { watch, opened } = scriptedWatch();
    let lists = 0;
    const list: ListFn = async () =>
      ++lists === 1 ? listOf('10', svc('a', '5'), svc('b', '6')) : listOf('30', svc('a', '5'));
    const { inf, changes, counted } = informer(list, watch);
    await inf.start();
    opened[0].send('ERROR', { kind: 'Status', code: 410, message: 'too old resource version: 10 (25)' });
    await until('a second watch', () => opened.length === 2);
    assert.ok(opened[0].aborted);
    assert.equal(opened[1].query.resourceVersion, '30');
    assert.equal(inf.get('ml', 'b'), undefined);
    assert.deepEqual(changes.at(-1), ['delete', 'b']);
    assert.deepEqual(
      counted.map(([, e]) => e),
      ['connect', 'relist', 'connect'],
    );
    // The aborted watch's late close must not start a third watch beside the second.
    opened[0].close(null);
    await sleep(30);
    assert.equal(opened.length, 2);
    inf.stop();
  });

  it('restarts a failed watch after a backoff, resuming from the last resourceVersion without a list', async () => {
    const { watch, opened } = scriptedWatch();
    let lists = 0;
    const { inf, counted } = informer(async () => (lists++, listOf('10', svc('a', '5'))), watch);
    await inf.start();
    opened[0].send('ADDED', svc('c', '12'));
    opened[0].close(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await until('the restarted watch', () => opened.length === 2);
    assert.equal(opened[1].query.resourceVersion, '12');
    assert.equal(lists, 1, 'no relist for an ordinary error');
    assert.deepEqual(
      counted.map(([, e]) => e),
      ['connect', 'error', 'connect'],
    );
    inf.stop();
  });

  it('retries a failed first list until it succeeds, and only then counts as synced', async () => {
    const { watch, opened } = scriptedWatch();
    let lists = 0;
    const list: ListFn = async () => {
      lists += 1;
      if (lists < 3) throw Object.assign(new Error('Too Many Requests'), { statusCode: 429 });
      return listOf('10', svc('a', '5'));
    };
    const { inf, counted } = informer(list, watch);
    await inf.start();
    assert.equal(lists, 3);
    assert.ok(inf.isSynced);
    assert.equal(opened.length, 1);
    assert.deepEqual(
      counted.map(([, e]) => e),
      ['error', 'error', 'connect'],
    );
    inf.stop();
  });

  it('waits 0.5 s, 1 s, 2 s ... at most 30 s between restarts by default', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 7, 20].map((n) => watchRetryDelayMs(n)),
      [500, 1_000, 2_000, 4_000, 30_000, 30_000],
    );
  });
});

describe('CachedKube', () => {
  const cacheOf = (objects: Map<string, KubeObject>): ObjectCache => ({
    get: (ns, name) => objects.get(`${ns}/${name}`),
    list: () => [...objects.values()],
    isSynced: true,
  });
  const apiWith = (written: KubeObject, reads: string[]): Kube =>
    ({
      apply: async () => ({
        ...written,
        metadata: { ...written.metadata, managedFields: [{ manager: 'sentiment-operator' }] },
      }),
      get: async (_kind: unknown, _ns: string, name: string) => (reads.push(name), undefined),
    }) as unknown as Kube;

  it('reads a watched kind from its cache, never from the API server', async () => {
    const reads: string[] = [];
    const objects = new Map([['ml/a', svc('a', '5')]]);
    const kube = new CachedKube(apiWith(svc('a', '6'), reads), new Map([['services', cacheOf(objects)]]));
    assert.deepEqual(await kube.get(SERVICE, 'ml', 'a'), svc('a', '5'));
    assert.equal(await kube.get(SERVICE, 'ml', 'missing'), undefined);
    assert.deepEqual(reads, []);
  });

  it('returns its own write until the cache shows it, then the cache again', async () => {
    const objects = new Map([['ml/a', svc('a', '5')]]);
    const kube = new CachedKube(apiWith(svc('a', '6'), []), new Map([['services', cacheOf(objects)]]));
    await kube.apply(SERVICE, svc('a', '5'));
    const own = await kube.get(SERVICE, 'ml', 'a');
    assert.equal(own?.metadata?.resourceVersion, '6', 'the cache lags');
    assert.equal(own?.metadata?.managedFields, undefined, 'held without managedFields, like the cache');
    objects.set('ml/a', svc('a', '7')); // the watch event of a later change arrives
    assert.equal((await kube.get(SERVICE, 'ml', 'a'))?.metadata?.resourceVersion, '7');
  });

  it('asks the API server for a kind no informer watches', async () => {
    const reads: string[] = [];
    const kube = new CachedKube(apiWith(svc('a', '6'), reads), new Map());
    await kube.get(SERVICE, 'ml', 'a');
    assert.deepEqual(reads, ['a']);
  });
});
