import { strict as assert } from 'node:assert';
import { buildVocabulary, encode, nbRatios, softenRatios, textGrams } from '../src/training/features';
import { fit, lossAndGradient, predict } from '../src/training/logreg';

describe('features', () => {
  it('prunes n-grams below the document frequency and orders by frequency then text', () => {
    const docs = [['b', 'a', 'a'], ['a', 'c'], ['b', 'a'], ['d']];
    const v = buildVocabulary(docs, 2, 100);
    assert.deepEqual(v.terms, ['a', 'b']);
    assert.equal(v.index.get('a'), 1);
  });

  it('caps the vocabulary at maxFeatures', () => {
    assert.deepEqual(buildVocabulary([['x', 'y'], ['x', 'y'], ['x']], 1, 1).terms, ['x']);
  });

  it('encodes a document as its sorted distinct known ids', () => {
    const v = buildVocabulary([['good', 'film', 'good film']], 1, 10);
    assert.deepEqual(Array.from(encode(textGrams('Good film, good FILM and more'), v)), [1, 2, 3]);
  });

  it('softens NB ratios toward plain presence, keeping their sign', () => {
    const r = Float64Array.of(0, 4, -0.25, 1);
    assert.deepEqual(Array.from(softenRatios(r, 0.5)), [0, 2, -0.5, 1]);
    assert.equal(softenRatios(r, 1), r);
  });

  it('gives NB ratios that favour the class a feature occurs in', () => {
    const r = nbRatios([Int32Array.of(1), Int32Array.of(1), Int32Array.of(2)], [1, 1, 0], 2, 1);
    assert.equal(r[0], 0);
    assert.ok(r[1] > 0 && r[2] < 0);
  });
});

describe('logistic regression', () => {
  // feature 1 marks positives, feature 2 negatives, features 3-4 are noise on both sides
  const docs = [
    Int32Array.of(1, 3),
    Int32Array.of(1, 4),
    Int32Array.of(1),
    Int32Array.of(2, 3),
    Int32Array.of(2, 4),
    Int32Array.of(2),
  ];
  const labels = [1, 1, 1, 0, 0, 0];
  const scale = new Float64Array(5).fill(1);

  it('separates a small separable set', () => {
    const m = fit({ docs, labels, scale }, 4, { l2: 1e-3, maxIterations: 200, tolerance: 1e-6 });
    for (let i = 0; i < docs.length; i++) {
      const p = predict(m.theta, scale, docs[i]);
      assert.ok(labels[i] === 1 ? p > 0.9 : p < 0.1, `doc ${i}: p=${p}`);
    }
    assert.ok(m.loss < 0.1, `loss ${m.loss}`);
  });

  it('has an analytic gradient that matches finite differences', () => {
    const theta = Float64Array.of(0.1, 0.5, -0.3, 0.2, -0.1);
    const g = new Float64Array(5);
    lossAndGradient({ docs, labels, scale }, theta, 0.01, g);
    const h = 1e-6;
    for (let j = 0; j < 5; j++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] += h;
      down[j] -= h;
      const tmp = new Float64Array(5);
      const num =
        (lossAndGradient({ docs, labels, scale }, up, 0.01, tmp) -
          lossAndGradient({ docs, labels, scale }, down, 0.01, tmp)) /
        (2 * h);
      assert.ok(Math.abs(num - g[j]) < 1e-6, `d/dtheta[${j}]: ${num} vs ${g[j]}`);
    }
  });

  it('weighs documents: weight 2 fits like the document given twice', () => {
    const weights = Float64Array.of(2, 1, 1, 1, 1, 1);
    const twice = [docs[0], ...docs];
    const opts = { l2: 1e-2, maxIterations: 200, tolerance: 1e-8 };
    const a = fit({ docs, labels, scale, weights }, 4, opts);
    const b = fit({ docs: twice, labels: [1, ...labels], scale }, 4, opts);
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(a.theta[j] - b.theta[j]) < 1e-6, `theta[${j}]`);
  });

  it('has a weighted gradient that matches finite differences', () => {
    const weights = Float64Array.of(3, 1, 0.5, 1, 2, 1);
    const theta = Float64Array.of(0.1, 0.5, -0.3, 0.2, -0.1);
    const g = new Float64Array(5);
    lossAndGradient({ docs, labels, scale, weights }, theta, 0.01, g);
    const tmp = new Float64Array(5);
    for (let j = 0; j < 5; j++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] += 1e-6;
      down[j] -= 1e-6;
      const num =
        (lossAndGradient({ docs, labels, scale, weights }, up, 0.01, tmp) -
          lossAndGradient({ docs, labels, scale, weights }, down, 0.01, tmp)) /
        2e-6;
      assert.ok(Math.abs(num - g[j]) < 1e-6, `d/dtheta[${j}]: ${num} vs ${g[j]}`);
    }
  });
});
