import { describe, expect, it } from 'vitest';
import { readCookie, sessionCookie } from './cookies.js';
import { hashPassword, verifyPassword } from './password.js';
import { SignInRateLimiter } from './sign-in-limiter.js';

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse battery!', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'scrypt$1$2$oops')).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/password: must be at least 8/);
  });
});

describe('SignInRateLimiter', () => {
  it('allows `limit` attempts per window and key', () => {
    let now = 0;
    const limiter = new SignInRateLimiter(3, 60_000, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a@x'))).toEqual([true, true, true, false]);
    expect(limiter.take('b@x')).toBe(true);
    now = 60_001;
    expect(limiter.take('a@x')).toBe(true);
  });
});

describe('cookies', () => {
  it('reads the session cookie among others and writes httpOnly, SameSite=Lax, Path=/', () => {
    expect(readCookie('a=1; cascade_session=tok%2Den; b=2', 'cascade_session')).toBe('tok-en');
    expect(readCookie(undefined, 'cascade_session')).toBeUndefined();
    const cookie = sessionCookie('abc', 7 * 86_400_000);
    expect(cookie).toContain('cascade_session=abc');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=604800');
  });
});
