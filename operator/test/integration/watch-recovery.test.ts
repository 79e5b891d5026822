// The operator's informers against watch failures the API server causes: a watch that can no longer
// resume because etcd compacted the history it would resume from (410 Gone) is recovered by a list,
// and whatever changed while nobody watched is reconciled, in the same process.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import {
  apply,
  compactEtcd,
  createTestNamespace,
  deleteNamespace,
  getOrUndefined,
  kubectl,
  repoRoot,
  requireCluster,
  restartApiserver,
  waitFor,
} from '../support/cluster';
import { startOperator, type OperatorProcess } from '../support/operator';

interface Condition {
  type: string;
  status: string;
}

describe('operator watches across a compacted history (410 Gone)', function () {
  let ns: string;
  let op: OperatorProcess;
  const uidOf = async (kind: string, name: string): Promise<string | undefined> =>
    (await getOrUndefined<{ metadata: { uid: string } }>(kind, name, ns))?.metadata.uid;

  before(async function () {
    await requireCluster();
    await kubectl(['apply', '--server-side', '-f', path.join(repoRoot, 'crds')]);
    await kubectl(['wait', '--for=condition=Established', 'crd/sentimentmodels.sentimentops.dev']);
    ns = await createTestNamespace('watch');
    // No leader election: the operator is stopped for a while below, and must come back in the same
    // leadership term, so that only its informers can explain the recovery.
    op = startOperator('watch', [`--watch-namespace=${ns}`, '--leader-elect=false']);
    await apply(
      {
        apiVersion: 'sentimentops.dev/v1alpha1',
        kind: 'SentimentModel',
        metadata: { name: 'gap' },
        spec: { model: { uri: 'file:///models/imdb.onnx' }, replicas: 1 },
      },
      ns,
    );
    await waitFor(
      async () => {
        const sm = await getOrUndefined<{ status?: { conditions?: Condition[] } }>(
          'sentimentmodel',
          'gap',
          ns,
        );
        return sm?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, what: 'SentimentModel gap to be Ready' },
    );
  });

  after(async function () {
    if (op?.child.pid && op.child.exitCode === null) process.kill(op.child.pid, 'SIGCONT');
    await op?.kill();
    if (ns) await deleteNamespace(ns);
  });

  it('lists again after 410 Gone and recreates a child deleted while it was not watching', async function () {
    const pid = op.child.pid!;
    const serviceUid = await uidOf('service', 'gap');
    assert.ok(serviceUid, 'the Service exists');
    const relistsBefore = await op.metricSum('sentimentops_watch_relists_total');

    // The gap: the operator is frozen (it holds its watch connections but reads nothing), the API
    // server restarts (every watch is cut and its watch cache starts afresh), the Service is deleted,
    // and etcd compacts its history past everything the operator saw.
    process.kill(pid, 'SIGSTOP');
    try {
      await restartApiserver({ kill: true });
      await kubectl(['-n', ns, 'delete', 'service', 'gap', '--wait=true']);
      const revision = await compactEtcd();
      console.log(`      etcd compacted at revision ${revision} while the operator was stopped`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    // Its watches resume from a compacted resourceVersion: 410 Gone, a list, the deletion seen as the
    // difference between cache and list, and the Service back.
    const recreated = await waitFor(
      async () => {
        const uid = await uidOf('service', 'gap');
        return uid !== undefined && uid !== serviceUid && uid;
      },
      { timeoutMs: 60_000, what: 'the deleted Service to be recreated' },
    );
    assert.ok(recreated);
    const relists = (await op.metricSum('sentimentops_watch_relists_total')) - relistsBefore;
    assert.ok(relists > 0, `the informers listed again (relists ${relists})`);
    assert.equal(op.child.exitCode, null, 'the operator process is still running');
    assert.deepEqual(op.pids(), [pid], 'one process throughout');
    assert.ok(
      op.lines.some((l) => l.includes('"listed again"')),
      'the relist is in the log',
    );
  });
});
