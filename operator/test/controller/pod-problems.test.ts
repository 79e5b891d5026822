import { strict as assert } from 'node:assert';
import { MAX_DETAIL_CHARS, podProblems } from '../../src/controller/pod-problems';
import type { V1Pod } from '../../src/resources/k8s-types';

type ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];

const pod = (status: V1Pod['status'], extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
  metadata: { name: 'imdb-7d9f-abcde', ...extra },
  status,
});
/** A container status: not ready, never restarted, image `i`, unless `fields` say otherwise. */
const container = (name: string, fields: Partial<ContainerStatus>): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 0,
  ...fields,
});
const fetchLog = (message: string) =>
  `{"level":"info","message":"fetching"}\n{"level":"error","message":"${message}","service":"fetch-model"}`;

describe('podProblems', () => {
  it('names a failed model download with the reason from the init container log', () => {
    const problems = podProblems([
      pod({
        initContainerStatuses: [
          container('fetch-model', {
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: { exitCode: 1, message: fetchLog('sha256 mismatch: expected ab…, got 12…') },
            },
          }),
        ],
      }),
    ]);
    assert.deepEqual(problems, [
      {
        reason: 'ModelFetchFailed',
        message:
          'pod imdb-7d9f-abcde: downloading the model failed (3 restarts): sha256 mismatch: expected ab…, got 12…',
      },
    ]);
  });

  it('reports an image that cannot be pulled, and a server that keeps crashing', () => {
    const problems = podProblems([
      pod({
        containerStatuses: [
          container('model-server', { image: 'nope:1', state: { waiting: { reason: 'ImagePullBackOff' } } }),
        ],
      }),
      pod({
        containerStatuses: [
          container('model-server', {
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, message: 'plain text: model file not found' } },
          }),
        ],
      }),
    ]);
    assert.deepEqual(
      problems.map((p) => p.reason),
      ['ImagePullFailed', 'ServerCrashLooping'],
    );
    assert.match(problems[1].message, /keeps exiting \(2 restarts\): plain text: model file not found$/);
  });

  it('sees nothing wrong in starting, running or terminating pods', () => {
    assert.deepEqual(
      podProblems([
        pod({ initContainerStatuses: [container('fetch-model', { state: { running: {} } })] }),
        pod({ containerStatuses: [container('model-server', { ready: true, state: { running: {} } })] }),
        pod(
          {
            containerStatuses: [
              container('model-server', {
                restartCount: 4,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
              }),
            ],
          },
          { deletionTimestamp: new Date() },
        ),
        pod({
          initContainerStatuses: [container('fetch-model', { state: { terminated: { exitCode: 0 } } })],
        }),
      ]),
      [],
    );
  });

  it('reports each kind once and cuts a long message', () => {
    const long = 'x'.repeat(5000);
    const failing = () =>
      pod({
        initContainerStatuses: [
          container('fetch-model', { state: { terminated: { exitCode: 1, message: long } } }),
        ],
      });
    const problems = podProblems([failing(), failing()]);
    assert.equal(problems.length, 1);
    assert.ok(problems[0].message.length < MAX_DETAIL_CHARS + 100, `${problems[0].message.length} chars`);
    assert.ok(problems[0].message.endsWith('…'));
  });
});
