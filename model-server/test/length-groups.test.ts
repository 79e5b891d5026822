import { strict as assert } from 'node:assert';
import { MIN_GROUP_CHARS, lengthGroups } from '../src/model/length-groups';

describe('lengthGroups', () => {
  it('keeps texts of similar length in one call', () => {
    assert.deepEqual(lengthGroups([10, 80, 40, 300]), [[0, 2, 1, 3]]);
  });

  it('puts every index in exactly one group', () => {
    const lengths = Array.from({ length: 64 }, (_, i) => (i * 7919) % 5000);
    const all = lengthGroups(lengths).flat();
    assert.deepEqual(
      [...all].sort((a, b) => a - b),
      [...lengths.keys()],
    );
  });

  it('splits long reviews from short ones once a group is big enough', () => {
    const lengths = [...Array(8).fill(600), ...Array(8).fill(5000)];
    const groups = lengthGroups(lengths, 2, 8);
    assert.equal(groups.length, 2);
    for (const g of groups) assert.equal(new Set(g.map((i) => lengths[i])).size, 1);
  });

  it('bounds the longest text of a group by ratio times its shortest', () => {
    const lengths = Array.from({ length: 200 }, (_, i) => 50 + i * 37);
    for (const g of lengthGroups(lengths, 2, 8)) {
      const ls = g.map((i) => lengths[i]);
      assert.ok(Math.max(...ls) <= 2 * Math.max(Math.min(...ls), MIN_GROUP_CHARS) || g.length <= 8);
    }
  });

  it('never makes a group smaller than minSize except the last', () => {
    const groups = lengthGroups([1, 10_000, 2, 20_000, 3, 40_000, 4, 80_000, 5, 9, 11, 12], 2, 4);
    groups.slice(0, -1).forEach((g) => assert.ok(g.length >= 4));
  });
});
