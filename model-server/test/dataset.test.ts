import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatasetError,
  datasetName,
  fileList,
  parseJsonl,
  readDatasets,
  readJsonl,
  split,
  splitByDomain,
} from '../src/training/dataset';

describe('dataset', () => {
  it('reads text and label and ignores blank lines', () => {
    const rows = parseJsonl('{"text":"a","label":1,"id":"x"}\n\n{"text":"b","label":0}\n', 'f.jsonl');
    assert.deepEqual(rows, [
      { text: 'a', label: 1 },
      { text: 'b', label: 0 },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['malformed JSON', '{"text":"a","label":1}\n{"text": "b",', /^f\.jsonl:2: malformed JSON/],
    ['missing text', '{"label":1}', /^f\.jsonl:1: missing field "text"/],
    ['missing label', '{"text":"a"}', /^f\.jsonl:1: missing field "label"/],
    [
      'label other than 0/1',
      '{"text":"a","label":1}\n{"text":"a","label":2}',
      /^f\.jsonl:2: field "label" must be 0 or 1, got 2/,
    ],
    ['string label', '{"text":"a","label":"1"}', /^f\.jsonl:1: field "label" must be 0 or 1/],
    ['text of the wrong type', '{"text":5,"label":1}', /^f\.jsonl:1: field "text" must be a string/],
    ['an array row', '[1,2]', /^f\.jsonl:1: expected a JSON object/],
    ['a domain that is not a string', '{"text":"a","label":1,"domain":3}', /^f\.jsonl:1: field "domain"/],
    ['empty file', '\n\n', /^f\.jsonl: no rows/],
  ];
  for (const [what, content, re] of bad) {
    it(`rejects ${what} naming file and line`, () => {
      assert.throws(
        () => parseJsonl(content, 'f.jsonl'),
        (e: Error) => e instanceof DatasetError && re.test(e.message),
      );
    });
  }

  it('names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-'));
    assert.throws(() => readJsonl(join(dir, 'nope.jsonl')), /nope\.jsonl: cannot read \(ENOENT\)/);
    writeFileSync(join(dir, 'ok.jsonl'), '{"text":"a","label":0}\n');
    assert.equal(readJsonl(join(dir, 'ok.jsonl')).rows.length, 1);
  });

  it('splits deterministically by seed, keeping every row exactly once', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => i);
    const a = split(rows, 0.1, 7);
    const b = split(rows, 0.1, 7);
    const c = split(rows, 0.1, 8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.validation, c.validation);
    assert.equal(a.validation.length, 100);
    assert.deepEqual(
      [...a.train, ...a.validation].sort((x, y) => x - y),
      rows,
    );
  });

  it("keeps a row's domain when it has one", () => {
    assert.deepEqual(parseJsonl('{"text":"a","label":1,"domain":"tweets"}', 'f.jsonl'), [
      { text: 'a', label: 1, domain: 'tweets' },
    ]);
  });

  it('names rows without a domain after their data set', () => {
    assert.equal(datasetName('../shared/datasets/imdb/train.jsonl'), 'imdb');
    assert.equal(datasetName('train.jsonl'), 'train');
    const dir = mkdtempSync(join(tmpdir(), 'ds-'));
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    writeFileSync(a, '{"text":"x","label":1}\n');
    writeFileSync(b, '{"text":"y","label":0,"domain":"tweets"}\n');
    const { rows, sha256 } = readDatasets([a, b]);
    assert.deepEqual(
      rows.map((r) => r.domain),
      [datasetName(a), 'tweets'],
    );
    assert.match(sha256, /^[0-9a-f]{64}$/);
    assert.notEqual(readDatasets([b, a]).sha256, sha256, 'the hash covers the files in order');
    assert.throws(() => readDatasets([]), /no data file/);
  });

  it('takes data files repeated or comma-separated', () => {
    assert.deepEqual(fileList(['a.jsonl,b.jsonl', 'c.jsonl']), ['a.jsonl', 'b.jsonl', 'c.jsonl']);
    assert.deepEqual(fileList(undefined), []);
  });

  it('splits each domain by the same fraction, so validation holds every domain', () => {
    const rows = [
      ...Array.from({ length: 1000 }, (_, i) => ({ id: i, domain: 'imdb' })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: 1000 + i, domain: 'tweets' })),
    ];
    const s = splitByDomain(rows, 0.1, 42);
    assert.equal(s.validation.filter((r) => r.domain === 'imdb').length, 100);
    assert.equal(s.validation.filter((r) => r.domain === 'tweets').length, 3);
    assert.equal(s.train.length + s.validation.length, rows.length);
    assert.deepEqual(splitByDomain(rows, 0.1, 42), s);
    // one domain alone splits exactly as `split` does, so IMDB-only training is unchanged
    const imdb = rows.slice(0, 1000);
    assert.deepEqual(splitByDomain(imdb, 0.1, 7), split(imdb, 0.1, 7));
  });
});
