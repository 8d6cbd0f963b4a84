import { describe, expect, it } from 'vitest';
import { parseRatings, selectRatingRows } from './ratings-file.js';

describe('parseRatings', () => {
  it('reads MovieLens u.data, ratings.dat and CSV with a header', () => {
    const tab = parseRatings('196\t242\t3\t881250949\n186\t302\t3\t891717742\n');
    expect(Array.from(tab.userIds)).toEqual([196, 186]);
    expect(tab.occurredAt[0]).toBe(881250949000);
    const colons = parseRatings('1::1193::5::978300760\n');
    expect(Array.from(colons.itemIds)).toEqual([1193]);
    const csv = parseRatings('userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n');
    expect(csv.length).toBe(2);
    expect(Array.from(csv.values)).toEqual([4, 4.5]);
    expect(Array.from(selectRatingRows(csv, [1]).itemIds)).toEqual([3]);
    expect(selectRatingRows(csv, [1]).types).toBeUndefined();
  });
  it('keeps the event types of typed rows in a selection', () => {
    const typed = { ...parseRatings('1,1,1,10\n1,2,1,11\n2,3,1,12\n'), types: Uint8Array.from([1, 4, 2]) };
    expect(Array.from(selectRatingRows(typed, [2, 0]).types ?? [])).toEqual([2, 1]);
  });
  it('names the source and line of a malformed row', () => {
    expect(() => parseRatings('1\t2\t3\t4\nx\ty\n', 'u.data')).toThrow(/u.data: line 2/);
  });
});
