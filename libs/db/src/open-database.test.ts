import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PGLITE_SHARED_BUFFERS_MB, pgliteSharedBuffersMb, pgliteStartParams, pgliteThreadEnabled } from './open-database.js';

describe('embedded database settings', () => {
  const saved = process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
  afterEach(() => {
    if (saved === undefined) delete process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
    else process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB = saved;
  });

  it('gives folder databases a larger buffer pool than in-memory ones unless the environment says otherwise', () => {
    delete process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
    expect(pgliteSharedBuffersMb(false)).toBe(DEFAULT_PGLITE_SHARED_BUFFERS_MB);
    expect(pgliteSharedBuffersMb(true)).toBe(128);
    process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB = '256';
    expect(pgliteSharedBuffersMb(false)).toBe(256);
    expect(pgliteSharedBuffersMb(true)).toBe(256);
  });

  it('names the variable when its value is not a valid size', () => {
    for (const bad of ['abc', '8', '1.5', '4096', '-1']) {
      process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB = bad;
      expect(() => pgliteSharedBuffersMb(false)).toThrow(/CASCADE_PGLITE_SHARED_BUFFERS_MB/);
    }
  });

  it("keeps PGlite's own start parameters and adds the buffer pool and no full-page writes", () => {
    const params = pgliteStartParams(['--single', '-F'], 512);
    expect(params.slice(0, 2)).toEqual(['--single', '-F']);
    expect(params).toContain('shared_buffers=512MB');
    expect(params).toContain('full_page_writes=off');
  });

  it('runs PGlite on its own thread as CASCADE_PGLITE_THREAD says, else as the option says', () => {
    const savedThread = process.env.CASCADE_PGLITE_THREAD;
    try {
      delete process.env.CASCADE_PGLITE_THREAD;
      expect(pgliteThreadEnabled(undefined)).toBe(false);
      expect(pgliteThreadEnabled(true)).toBe(true);
      process.env.CASCADE_PGLITE_THREAD = '0';
      expect(pgliteThreadEnabled(true)).toBe(false);
      process.env.CASCADE_PGLITE_THREAD = '1';
      expect(pgliteThreadEnabled(false)).toBe(true);
      for (const bad of ['yes', 'true', '2']) {
        process.env.CASCADE_PGLITE_THREAD = bad;
        expect(() => pgliteThreadEnabled(true)).toThrow(/CASCADE_PGLITE_THREAD/);
      }
    } finally {
      if (savedThread === undefined) delete process.env.CASCADE_PGLITE_THREAD;
      else process.env.CASCADE_PGLITE_THREAD = savedThread;
    }
  });
});
