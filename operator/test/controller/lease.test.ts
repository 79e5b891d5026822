import { strict as assert } from 'node:assert';
import { DEFAULT_LEADER_ELECTION } from '../../src/controller/leader-election';
import {
  JITTER_FACTOR,
  type LeaseRecord,
  type LeaseSpecBody,
  decide,
  formatMicroTime,
  jittered,
  leaseSpec,
  nextDelayMs,
  observe,
  releasedLeaseSpec,
  timingProblems,
  worstCaseFailoverMs,
} from '../../src/controller/lease';

const NOW = Date.parse('2026-11-23T10:00:00.123Z');
const NOW_MICRO = '2026-11-23T10:00:00.123000Z';
const EARLIER = '2026-11-23T09:00:00.000000Z';
const TIMING = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function heldBy(holderIdentity: string, extra: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    holderIdentity,
    leaseDurationSeconds: 15,
    acquireTime: EARLIER,
    renewTime: EARLIER,
    leaseTransitions: 3,
    ...extra,
  };
}

describe('lease decisions', function () {
  it('creates a lease that does not exist, with no transitions yet', function () {
    const decision = decide({
      current: undefined,
      observedAtMs: NOW,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.deepEqual(decision, {
      action: 'acquire',
      previousHolder: undefined,
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: NOW_MICRO,
        renewTime: NOW_MICRO,
        leaseTransitions: 0,
      },
    });
  });

  it("waits for someone else's valid lease and says how long until it expires", function () {
    const decision = decide({
      current: heldBy('b'),
      observedAtMs: NOW - 4_000,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.deepEqual(decision, { action: 'wait', holder: 'b', waitMs: 11_000 });
  });

  it("measures expiry with the holder's lease duration, not ours", function () {
    const decision = decide({
      current: heldBy('b', { leaseDurationSeconds: 30 }),
      observedAtMs: NOW - 20_000,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.deepEqual(decision, { action: 'wait', holder: 'b', waitMs: 10_000 });
  });

  it('counts expiry from when we first saw the lease, not from its renewTime', function () {
    // renewTime is an hour old (the holder's clock may be behind); we only just saw this version.
    const decision = decide({
      current: heldBy('b'),
      observedAtMs: NOW,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.equal(decision.action, 'wait');
  });

  it('takes over an expired lease and counts the transition', function () {
    const decision = decide({
      current: heldBy('b'),
      observedAtMs: NOW - 15_000,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.deepEqual(decision, {
      action: 'acquire',
      previousHolder: 'b',
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: NOW_MICRO,
        renewTime: NOW_MICRO,
        leaseTransitions: 4,
      },
    });
  });

  it('takes a released lease at once, however recently it was written', function () {
    for (const holderIdentity of ['', null, undefined]) {
      const decision = decide({
        current: heldBy('b', { holderIdentity, leaseDurationSeconds: 1 }),
        observedAtMs: NOW,
        identity: 'a',
        nowMs: NOW,
        leaseDurationSeconds: 15,
      });
      assert.equal(decision.action, 'acquire', `holderIdentity ${String(holderIdentity)}`);
      assert.equal(decision.action === 'acquire' && decision.spec.leaseTransitions, 4);
    }
  });

  it('renews its own lease, keeping acquireTime and transitions, even when it looks expired', function () {
    const decision = decide({
      current: heldBy('a', { leaseDurationSeconds: 10 }),
      observedAtMs: NOW - 60_000,
      identity: 'a',
      nowMs: NOW,
      leaseDurationSeconds: 15,
    });
    assert.deepEqual(decision, {
      action: 'renew',
      spec: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: EARLIER,
        renewTime: NOW_MICRO,
        leaseTransitions: 3,
      },
    });
  });
});

describe('lease transitions', function () {
  it('counts one transition per change of holder and none per renewal', function () {
    let lease: LeaseSpecBody | undefined;
    const history: [string, number][] = [];
    for (const [identity, t] of [
      ['a', 0],
      ['a', 2],
      ['b', 4],
      ['b', 6],
      ['a', 8],
    ] as const) {
      lease = leaseSpec(lease, identity, NOW + t * 1000, 15);
      history.push([identity, lease.leaseTransitions]);
    }
    assert.deepEqual(history, [
      ['a', 0],
      ['a', 0],
      ['b', 1],
      ['b', 1],
      ['a', 2],
    ]);
    assert.equal(lease?.acquireTime, formatMicroTime(NOW + 8_000));
  });

  it('counts a transition when the previous holder takes its own released lease back', function () {
    const released = releasedLeaseSpec(heldBy('a'), NOW);
    assert.equal(released.holderIdentity, '');
    assert.equal(released.leaseTransitions, 3);
    assert.equal(leaseSpec(released, 'a', NOW, 15).leaseTransitions, 4);
  });

  it('a released lease keeps acquireTime and transitions and expires in 1 s for older clients', function () {
    assert.deepEqual(releasedLeaseSpec(heldBy('a'), NOW), {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: EARLIER,
      renewTime: NOW_MICRO,
      leaseTransitions: 3,
    });
  });
});

describe('observations of the lease', function () {
  it('keep their time while the resourceVersion stays and restart when it changes', function () {
    const first = observe(undefined, '100', NOW);
    assert.deepEqual(first, { resourceVersion: '100', observedAtMs: NOW });
    assert.equal(observe(first, '100', NOW + 5_000).observedAtMs, NOW);
    assert.deepEqual(observe(first, '101', NOW + 5_000), {
      resourceVersion: '101',
      observedAtMs: NOW + 5_000,
    });
    assert.deepEqual(observe(first, undefined, NOW + 6_000), {
      resourceVersion: undefined,
      observedAtMs: NOW + 6_000,
    });
  });
});

describe('MicroTime', function () {
  it('formats as RFC 3339 UTC with six fractional digits', function () {
    assert.equal(formatMicroTime(NOW), NOW_MICRO);
    assert.equal(formatMicroTime(Date.parse('2026-01-02T03:04:05Z')), '2026-01-02T03:04:05.000000Z');
    assert.match(formatMicroTime(Date.now()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('keeps an acquireTime that arrives as a Date in MicroTime format', function () {
    const spec = leaseSpec(heldBy('a', { acquireTime: new Date(NOW - 1_000) }), 'a', NOW, 15);
    assert.equal(spec.acquireTime, '2026-11-23T09:59:59.123000Z');
  });
});

describe('retry timing', function () {
  it('jitters by up to JITTER_FACTOR', function () {
    assert.equal(jittered(2_000, 0), 2_000);
    assert.equal(jittered(2_000, 0.5), 2_000 * (1 + JITTER_FACTOR / 2));
  });

  it('keeps the leader at the retry period even while renewals fail', function () {
    for (const consecutiveFailures of [0, 1, 5]) {
      assert.equal(nextDelayMs({ timing: TIMING, leading: true, consecutiveFailures, random: 0.9 }), 2_000);
    }
  });

  it('backs a candidate off exponentially on errors, up to 4 retry periods', function () {
    const delays = [0, 1, 2, 3, 4, 10].map((consecutiveFailures) =>
      nextDelayMs({ timing: TIMING, leading: false, consecutiveFailures, random: 0 }),
    );
    assert.deepEqual(delays, [2_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('wakes a candidate when the lease it waits for expires, not a whole period later', function () {
    assert.equal(
      nextDelayMs({ timing: TIMING, leading: false, consecutiveFailures: 0, waitMs: 300, random: 0.5 }),
      300,
    );
    assert.equal(
      nextDelayMs({ timing: TIMING, leading: false, consecutiveFailures: 0, waitMs: 9_000, random: 0 }),
      2_000,
    );
  });
});

describe('timing config', function () {
  it('accepts the defaults', function () {
    assert.deepEqual(timingProblems(DEFAULT_LEADER_ELECTION), []);
    assert.deepEqual(DEFAULT_LEADER_ELECTION, TIMING);
  });

  it('rejects a renew deadline that would let two instances lead at once, or leave no retry', function () {
    assert.equal(timingProblems({ ...TIMING, renewDeadlineMs: 15_000 }).length, 1);
    assert.equal(timingProblems({ ...TIMING, retryPeriodMs: 9_000 }).length, 1);
    assert.equal(timingProblems({ ...TIMING, leaseDurationSeconds: 0.5 }).length, 2);
  });

  it('fails over within 20 s after a crash with the default timings', function () {
    // A candidate sees the crashed leader's last renewal within one jittered retry period
    // (≤ 2 s × 1.25 = 2.5 s) and takes over one lease duration (15 s) after that sighting:
    // 15 + 2 + 0.5 = 17.5 s, plus a few ms of request latency, < 20 s.
    assert.equal(worstCaseFailoverMs(DEFAULT_LEADER_ELECTION), 17_500);
    assert.ok(worstCaseFailoverMs(DEFAULT_LEADER_ELECTION) < 20_000);
  });
});
