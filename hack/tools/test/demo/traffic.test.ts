import { strict as assert } from 'node:assert';
import { seededRandom } from '../../src/demo/random';
import { demoReviews, shiftedTexts } from '../../src/demo/traffic';

const words = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sentences = (text: string): string[] => text.split(/(?<=[.!?])\s+/);

describe('demo traffic', () => {
  // One sample per generator, shared by the tests below: 400 reviews take about 50 ms.
  const reviews = demoReviews(400, 42);
  const shifted = shiftedTexts(400, 42);

  describe('the seeded random source', () => {
    it('repeats for a seed and differs between seeds', () => {
      const draw = (seed: number): number[] => {
        const rng = seededRandom(seed);
        return Array.from({ length: 5 }, () => rng.next());
      };
      assert.deepEqual(draw(1), draw(1));
      assert.notDeepEqual(draw(1), draw(2));
      for (const x of draw(3)) assert.ok(x >= 0 && x < 1, `${x} is outside [0, 1)`);
    });

    it('keeps int() within its bounds and reaches both ends', () => {
      const rng = seededRandom(9);
      const seen = new Set(Array.from({ length: 500 }, () => rng.int(2, 5)));
      assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
    });
  });

  it('gives the same texts for the same seed and different ones for another seed', () => {
    assert.deepEqual(demoReviews(400, 42), reviews);
    assert.deepEqual(shiftedTexts(400, 42), shifted);
    assert.notDeepEqual(demoReviews(20, 43), reviews.slice(0, 20));
    assert.notDeepEqual(shiftedTexts(20, 43), shifted.slice(0, 20));
  });

  it('returns exactly `count` texts, a longer run extending a shorter one', () => {
    for (const count of [0, 1, 37]) {
      assert.equal(demoReviews(count, 1).length, count);
      assert.equal(shiftedTexts(count, 1).length, count);
    }
    assert.deepEqual(demoReviews(100, 42), reviews.slice(0, 100));
    assert.deepEqual(shiftedTexts(100, 42), shifted.slice(0, 100));
  });

  it('refuses a count that is not a whole number', () => {
    assert.throws(() => demoReviews(-1, 1), RangeError);
    assert.throws(() => shiftedTexts(2.5, 1), RangeError);
  });

  it('writes whole, printable ASCII texts with every slot filled', () => {
    for (const text of [...reviews, ...shifted]) {
      assert.ok(text.trim() === text && text !== '', `empty or untrimmed: "${text}"`);
      assert.match(text, /^[\x20-\x7e]+$/, 'only printable ASCII: the model reads ASCII tokens');
      assert.doesNotMatch(text, /[{}]|undefined|\s{2}/, `unfilled template: "${text}"`);
      assert.match(text, /^[A-Z0-9]/, `starts a sentence: "${text}"`);
      assert.match(text, /[.!?]$/, `ends a sentence: "${text}"`);
    }
  });

  it('writes reviews as long as real ones (about 100-400 words)', () => {
    const lengths = reviews.map(words);
    const typical = lengths.filter((n) => n >= 100 && n <= 400).length;
    assert.ok(Math.min(...lengths) >= 50, `shortest review ${Math.min(...lengths)} words`);
    assert.ok(Math.max(...lengths) <= 450, `longest review ${Math.max(...lengths)} words`);
    assert.ok(typical >= 0.9 * lengths.length, `${typical}/${lengths.length} reviews within 100-400 words`);
    assert.ok(mean(lengths) > 180 && mean(lengths) < 280, `mean ${mean(lengths)} words`);
  });

  it('never repeats a sentence within one review', () => {
    for (const text of reviews) {
      const all = sentences(text);
      assert.equal(new Set(all).size, all.length, `a repeated sentence in: "${text}"`);
    }
  });

  it('mixes praise and criticism, and varies the reviews', () => {
    assert.equal(new Set(reviews).size, reviews.length);
    const praising = reviews.filter((r) => /excellent|superb|wonderful|brilliant|great|loved/.test(r)).length;
    const panning = reviews.filter((r) => /awful|terrible|dull|boring|hated|waste/.test(r)).length;
    assert.ok(praising > 0.3 * reviews.length, `${praising} reviews praise something`);
    assert.ok(panning > 0.3 * reviews.length, `${panning} reviews criticise something`);
  });

  it('shifts to short texts: one sentence or a title, far shorter than any review', () => {
    const lengths = shifted.map(words);
    assert.ok(Math.max(...lengths) <= 30, `longest shifted text ${Math.max(...lengths)} words`);
    assert.ok(Math.max(...shifted.map((t) => t.length)) <= 160);
    assert.ok(mean(lengths) < 15, `mean ${mean(lengths)} words`);
    assert.ok(Math.max(...lengths) < Math.min(...reviews.map(words)));
    for (const text of shifted) assert.equal(sentences(text).length, 1, `more than one sentence: "${text}"`);
  });
});
