// Synthetic interactions with planted structure, shared by the unit tests.
import { SeededRandom } from '@cascade/core';
import type { InteractionColumns } from './interaction-matrix.js';

/**
 * `groups` user groups and item groups of equal size; each user interacts with `perUser` random items of its
 * own group only. A model that recovers the structure ranks a user's unseen in-group items first.
 */
export function plantedBlocks(options: { users: number; items: number; groups: number; perUser: number; seed: number }): {
  columns: InteractionColumns;
  userGroup: (user: number) => number;
  itemGroup: (item: number) => number;
} {
  const { users, items, groups, perUser, seed } = options;
  const rng = new SeededRandom(seed);
  const itemsPerGroup = items / groups;
  const userIds: number[] = [];
  const itemIds: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < users; u++) {
    const g = u % groups;
    const chosen = new Set<number>();
    while (chosen.size < perUser) chosen.add(g * itemsPerGroup + rng.int(itemsPerGroup));
    for (const i of chosen) {
      userIds.push(u);
      itemIds.push(i);
      values.push(1 + rng.int(5));
    }
  }
  return {
    columns: { length: userIds.length, userIds, itemIds, values },
    userGroup: (u) => u % groups,
    itemGroup: (i) => Math.floor(i / itemsPerGroup),
  };
}
