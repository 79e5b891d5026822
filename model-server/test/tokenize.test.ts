import { strict as assert } from 'node:assert';
import { ngrams, normalize, tokenize } from '../src/training/tokenize';

describe('tokenize', () => {
  it('lower-cases ASCII letters only, like StringNormalizer in the C locale', () => {
    assert.equal(normalize('GREAT Film, ÉTÉ'), 'great film, ÉtÉ');
  });

  it('splits on everything that is not an ASCII letter or digit', () => {
    assert.deepEqual(tokenize("I didn't like it.<br /><br />10/10!"), [
      'i',
      'didn',
      't',
      'like',
      'it',
      'br',
      'br',
      '10',
      '10',
    ]);
  });

  it('gives no tokens for empty or punctuation-only text', () => {
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize('?!... --'), []);
  });
});

describe('ngrams', () => {
  it('lists unigrams then adjacent bigrams joined by one space', () => {
    assert.deepEqual(ngrams(['not', 'very', 'good']), ['not', 'very', 'good', 'not very', 'very good']);
  });

  it('has no bigram for a single token and nothing for none', () => {
    assert.deepEqual(ngrams(['ok']), ['ok']);
    assert.deepEqual(ngrams([]), []);
  });
});
