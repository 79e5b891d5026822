import { strict as assert } from 'node:assert';
import { canonicalQuantity } from '../../src/resources/quantity';

describe('canonicalQuantity', function () {
  // Expected values are what kube-apiserver v1.36 stores for each input (checked with kubectl).
  const cases: [string | number, string][] = [
    ['1000m', '1'],
    [0.5, '500m'],
    ['0.5', '500m'],
    ['250m', '250m'],
    ['1500m', '1500m'],
    [2, '2'],
    ['2000', '2k'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['512Mi', '512Mi'],
    ['0.5Ki', '512'],
    ['100M', '100M'],
    ['1000000', '1M'],
    ['0', '0'],
    ['0.1', '100m'],
    ['1e3', '1e3'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, function () {
      assert.equal(canonicalQuantity(input), expected);
    });
  }
});
