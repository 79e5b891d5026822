import { strict as assert } from 'node:assert';
import { ngrams, normalize, tokenize } from '../src/training/tokenize';

describe('tokenize', () => {
  it('lower-cases ASCII letters only, like StringNormalizer in the C locale', () => {
    assert.equal(normalize('GREAT Film, ÉTÉ'), 'great film, ÉtÉ');
  });

  it('splits on everything but ASCII letters and digits, keeping contractions whole', () => {
    assert.deepEqual(tokenize("I didn't like it.<br /><br />10/10 It's 'quoted'"), [
      'i',
      "didn't",
      'like',
      'it',
      'br',
      'br',
      '10',
      '10',
      "it's",
      'quoted',
    ]);
  });

  it('makes each ! and ? a token of its own, and no other punctuation', () => {
    assert.deepEqual(tokenize('Great!!! Really?! ... -- :)'), ['great', '!', '!', '!', 'really', '?', '!']);
  });

  it('leaves a typographic apostrophe out, as the graph does', () => {
    assert.deepEqual(tokenize('didn’t'), ['didn', 't']);
  });

  it('gives no tokens for empty text or punctuation other than ! and ?', () => {
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize("... -- :) ''"), []);
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
