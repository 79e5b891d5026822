// Leader election against the real API server: two LeaderElector instances compete for one Lease with
// short timings. Exactly one leads; when it crashes (its loop just stops) the other takes over once
// the lease expires, and when it releases the lease the other takes over at its next retry. Each test
// uses its own Lease, so none depends on another's leftovers.
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { JITTER_FACTOR } from '../../src/controller/lease';
import { type LeaderElectionConfig, LeaderElector } from '../../src/controller/leader-election';
import {
  createTestNamespace,
  deleteNamespace,
  kubeconfigPath,
  kubectlJson,
  requireCluster,
  sleep,
  waitFor,
} from '../support/cluster';

const TIMING = { leaseDurationSeconds: 4, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
/** The longest a candidate sleeps between tries. */
const MAX_RETRY_MS = TIMING.retryPeriodMs * (1 + JITTER_FACTOR);

interface LeaseObject {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; leaseTransitions?: number; renewTime?: string; acquireTime?: string };
}

interface Candidate {
  identity: string;
  elector: LeaderElector;
  /** Date.now() at each onStartedLeading / onStoppedLeading. */
  started: number[];
  stopped: number[];
}

describe('leader election on a Lease', function () {
  this.timeout(60_000);
  let ns = '';
  const candidates: Candidate[] = [];
  // Logs go to memory and are printed only when a test fails, to show what each instance saw.
  const logLines: string[] = [];
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _encoding, next) {
            logLines.push(chunk.toString().trim());
            next();
          },
        }),
      }),
    ],
  });

  before(async function () {
    await requireCluster();
    ns = await createTestNamespace('leader');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(logLines.join('\n'));
    logLines.length = 0;
    await Promise.all(candidates.splice(0).map((c) => c.elector.stop({ release: false })));
  });

  after(async function () {
    if (ns) await deleteNamespace(ns);
  });

  function start(lease: string, identity: string): Candidate {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const config: LeaderElectionConfig = { namespace: ns, name: lease, identity, ...TIMING };
    const candidate: Candidate = {
      identity,
      elector: new LeaderElector(kc, config, logger),
      started: [],
      stopped: [],
    };
    void candidate.elector.run({
      onStartedLeading: () => candidate.started.push(Date.now()),
      onStoppedLeading: () => candidate.stopped.push(Date.now()),
    });
    candidates.push(candidate);
    return candidate;
  }

  function getLease(lease: string): Promise<LeaseObject> {
    return kubectlJson<LeaseObject>(['get', 'lease', lease, '-n', ns]);
  }

  function leaders(...cs: Candidate[]): Candidate[] {
    return cs.filter((c) => c.elector.isLeader());
  }

  /** Starts a, waits until it leads, then starts b as its standby and lets b see the lease. */
  async function leaderAndStandby(lease: string): Promise<[Candidate, Candidate]> {
    const a = start(lease, 'a');
    await waitFor(() => a.elector.isLeader(), { timeoutMs: 10_000, intervalMs: 50, what: 'a to lead' });
    const b = start(lease, 'b');
    await sleep(3 * TIMING.retryPeriodMs);
    assert.deepEqual(leaders(a, b), [a]);
    assert.equal(b.started.length, 0);
    return [a, b];
  }

  it('elects exactly one of two instances, names it in the Lease and keeps it there', async function () {
    const a = start('elect', 'a');
    const b = start('elect', 'b');
    const [leader] = await waitFor(() => (leaders(a, b).length > 0 ? leaders(a, b) : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'a leader',
    });
    const standby = leader === a ? b : a;

    const first = await getLease('elect');
    assert.equal(first.spec.holderIdentity, leader.identity);
    assert.equal(first.spec.leaseTransitions, 0);
    assert.match(first.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    // Several retry periods: the standby never leads, the leader never stops, and the lease is renewed.
    const until = Date.now() + 8 * TIMING.retryPeriodMs;
    while (Date.now() < until) {
      assert.deepEqual(leaders(a, b), [leader]);
      await sleep(50);
    }
    assert.deepEqual([leader.started.length, leader.stopped.length], [1, 0]);
    assert.deepEqual([standby.started.length, standby.stopped.length], [0, 0]);
    const later = await getLease('elect');
    assert.equal(later.spec.holderIdentity, leader.identity);
    assert.equal(later.spec.leaseTransitions, 0);
    assert.equal(later.spec.acquireTime, first.spec.acquireTime);
    assert.ok(
      (later.spec.renewTime ?? '') > (first.spec.renewTime ?? ''),
      `renewTime ${later.spec.renewTime} should be after ${first.spec.renewTime}`,
    );
  });

  it('hands over after the leader crashes, once its lease has expired', async function () {
    const [a, b] = await leaderAndStandby('crash');
    const before = await getLease('crash');

    const crashedAt = Date.now();
    await a.elector.stop({ release: false });
    // Nothing was released: the lease still names a until b takes it.
    assert.equal((await getLease('crash')).spec.holderIdentity, 'a');

    await waitFor(() => b.elector.isLeader(), { timeoutMs: 15_000, intervalMs: 20, what: 'b to lead' });
    const takeoverMs = b.started[0] - crashedAt;
    console.log(`      takeover after a crash: ${takeoverMs} ms`);
    const leaseMs = TIMING.leaseDurationSeconds * 1000;
    // Not before the lease expired (a renewed at most one retry period before the crash) ...
    assert.ok(takeoverMs >= leaseMs - TIMING.retryPeriodMs - 200, `took over early, after ${takeoverMs} ms`);
    // ... and within leaseDuration + 2 × retryPeriod.
    assert.ok(takeoverMs <= leaseMs + 2 * TIMING.retryPeriodMs, `took over after ${takeoverMs} ms`);

    const after = await getLease('crash');
    assert.equal(after.spec.holderIdentity, 'b');
    assert.equal(after.spec.leaseTransitions, (before.spec.leaseTransitions ?? 0) + 1);
    assert.deepEqual([a.started.length, a.stopped.length, b.started.length], [1, 1, 1]);
  });

  it('hands over within two retry periods when the leader releases the lease', async function () {
    const [a, b] = await leaderAndStandby('release');
    const before = await getLease('release');

    const stoppedAt = Date.now();
    await a.elector.stop();
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual([a.started.length, a.stopped.length], [1, 1]);
    // a stopped leading before it released, so the two never lead at once.
    assert.ok(b.started.length === 0 || a.stopped[0] <= b.started[0]);

    await waitFor(() => b.elector.isLeader(), { timeoutMs: 10_000, intervalMs: 20, what: 'b to lead' });
    const takeoverMs = b.started[0] - stoppedAt;
    console.log(`      takeover after a release: ${takeoverMs} ms`);
    assert.ok(takeoverMs <= 2 * MAX_RETRY_MS, `took over after ${takeoverMs} ms`);

    const after = await getLease('release');
    assert.equal(after.spec.holderIdentity, 'b');
    assert.equal(after.spec.leaseTransitions, (before.spec.leaseTransitions ?? 0) + 1);
  });
});
