import { strict as assert } from 'node:assert';
import { evaluate, formatMetrics, isShort, macroAccuracy, wordCount } from '../src/training/report';

describe('report', () => {
  it('counts words as runs of non-space characters', () => {
    assert.equal(wordCount('  Great   phone, really!  '), 3);
    assert.equal(wordCount(''), 0);
    assert.ok(isShort(Array(20).fill('w').join(' ')));
    assert.ok(!isShort(Array(21).fill('w').join(' ')));
  });

  const long = Array(30).fill('word').join(' ');
  const rows = [
    { text: long, label: 1 as const, domain: 'imdb' },
    { text: long, label: 0 as const, domain: 'imdb' },
    { text: 'good', label: 1 as const, domain: 'tweets' },
    { text: 'bad', label: 0 as const, domain: 'tweets' },
    { text: 'fine', label: 0 as const },
  ];
  const p = [0.9, 0.2, 0.4, 0.3, 0.7]; // right, right, wrong, right, wrong

  it('measures every domain and the short texts apart, with predicted and actual positive rates', () => {
    const m = evaluate(p, rows);
    assert.equal(m.accuracy, 0.6);
    assert.deepEqual(Object.keys(m.domains!), ['imdb', 'tweets', 'unknown']);
    assert.equal(m.domains!.imdb.accuracy, 1);
    assert.equal(m.domains!.tweets.accuracy, 0.5);
    assert.equal(m.domains!.tweets.predicted_positive_rate, 0);
    assert.equal(m.domains!.tweets.actual_positive_rate, 0.5);
    assert.equal(m.short!.n, 3);
    assert.equal(m.short!.max_words, 20);
    assert.equal(m.short!.accuracy, 0.333333);
    assert.equal(m.short!.predicted_positive_rate, 0.333333);
  });

  it('averages over domains, each counting once', () => {
    assert.equal(macroAccuracy(evaluate(p, rows)), (1 + 0.5 + 0) / 3);
  });

  it('formats one line per part', () => {
    const lines = formatMetrics(evaluate(p, rows));
    assert.equal(lines.length, 1 + 1 + 3 + 1);
    assert.match(lines[2], /^ {2}imdb +2 +1\.0000/);
    assert.match(lines[5], /^ {2}<= 20 words +3 /);
  });
});
