// The graph pads every text of a call to the longest one, so one long review makes a whole batch
// pay for its length. Grouping texts of similar length into separate calls bounds that waste;
// measured in docs/model.md.

/** Texts shorter than this never start a group of their own: a call costs more than their padding. */
export const MIN_GROUP_CHARS = 512;

/**
 * Indices of `lengths` in groups (ascending length) whose longest member is at most `ratio` times
 * the group's shortest (counting at least MIN_GROUP_CHARS), each group at least `minSize` long.
 */
export function lengthGroups(lengths: readonly number[], ratio = 2, minSize = 8): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
  const groups: number[][] = [];
  let current: number[] = [];
  let limit = 0;
  for (const i of order) {
    if (current.length >= minSize && lengths[i] > limit) {
      groups.push(current);
      current = [];
    }
    if (current.length === 0) limit = ratio * Math.max(lengths[i], MIN_GROUP_CHARS);
    current.push(i);
  }
  if (current.length) groups.push(current);
  return groups;
}
