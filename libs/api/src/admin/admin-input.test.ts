import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { asBadRequest, containsPattern } from './admin-input.js';

describe('asBadRequest', () => {
  it("maps errors naming a field to BAD_REQUEST and leaves the server's own errors alone", async () => {
    const caller = await asBadRequest(() => Promise.reject(new Error('policy.epsilon: must be at most 1'))).catch((e: unknown) => e);
    expect(caller).toBeInstanceOf(TRPCError);
    expect((caller as TRPCError).code).toBe('BAD_REQUEST');
    const database = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    expect(await asBadRequest(() => Promise.reject(database)).catch((e: unknown) => e)).toBe(database);
    const internal = new Error('socket hang up');
    expect(await asBadRequest(() => Promise.reject(internal)).catch((e: unknown) => e)).toBe(internal);
    expect(await asBadRequest(() => 3)).toBe(3);
  });
});

describe('containsPattern', () => {
  it('matches anywhere and takes LIKE wildcards literally', () => {
    expect(containsPattern('  ')).toBeNull();
    expect(containsPattern(undefined)).toBeNull();
    expect(containsPattern('a%b_c\\')).toBe('%a\\%b\\_c\\\\%');
  });
});
