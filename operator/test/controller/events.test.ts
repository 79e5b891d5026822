import { strict as assert } from 'node:assert';
import { buildEvent } from '../../src/controller/events';
import { FILE_MODEL, sentimentModel } from '../support/models';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function model() {
  const sm = sentimentModel({ model: FILE_MODEL });
  sm.metadata.resourceVersion = '1234';
  return sm;
}

describe('buildEvent', () => {
  it('points at the SentimentModel it is about', () => {
    const sm = model();
    const event = buildEvent(sm, 'Normal', 'Applied', 'created the Deployment', NOW, 'operator-0');
    assert.deepEqual(event.involvedObject, {
      apiVersion: 'sentimentops.dev/v1alpha1',
      kind: 'SentimentModel',
      name: 'imdb',
      namespace: 'ml',
      uid: sm.metadata.uid,
      resourceVersion: '1234',
    });
    assert.equal(event.metadata.namespace, 'ml');
  });

  it('carries the type, reason and message it is given', () => {
    const event = buildEvent(model(), 'Warning', 'ApplyFailed', 'Service rejected', NOW, 'operator-0');
    assert.equal(event.type, 'Warning');
    assert.equal(event.reason, 'ApplyFailed');
    assert.equal(event.message, 'Service rejected');
  });

  it('says who reported it and when, counted once', () => {
    const event = buildEvent(model(), 'Normal', 'Applied', 'ok', NOW, 'operator-7f9c');
    assert.equal(event.reportingComponent, 'sentiment-operator');
    assert.deepEqual(event.source, { component: 'sentiment-operator' });
    assert.equal(event.reportingInstance, 'operator-7f9c');
    assert.equal(event.firstTimestamp?.getTime(), NOW.getTime());
    assert.equal(event.lastTimestamp?.getTime(), NOW.getTime());
    assert.equal(event.count, 1);
  });

  it('keeps a message of exactly 1024 characters whole', () => {
    const message = 'x'.repeat(1024);
    assert.equal(buildEvent(model(), 'Warning', 'R', message, NOW, 'i').message, message);
  });

  it('cuts a longer message to 1024 characters ending in an ellipsis', () => {
    const message = `${'a'.repeat(1021)}bcdef`;
    const cut = buildEvent(model(), 'Warning', 'R', message, NOW, 'i').message!;
    assert.equal(cut.length, 1024);
    assert.equal(cut, `${'a'.repeat(1021)}...`);
  });

  it('is named after the model with a unique suffix', () => {
    const names = new Set(
      Array.from({ length: 20 }, () => buildEvent(model(), 'Normal', 'R', 'm', NOW, 'i').metadata.name!),
    );
    assert.equal(names.size, 20, 'two Events at the same moment got the same name');
    for (const name of names) assert.match(name, /^imdb\.[0-9a-f]+$/);
    const later = buildEvent(model(), 'Normal', 'R', 'm', new Date(NOW.getTime() + 1), 'i').metadata.name!;
    assert.ok(later.startsWith(`imdb.${(NOW.getTime() + 1).toString(16)}`));
  });
});
