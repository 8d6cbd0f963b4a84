// Shared input pieces of the console's procedures: pagination, LIKE patterns, and the mapping of library
// errors that name a field (the caller's mistakes) to BAD_REQUEST.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { ApiContext } from '../trpc.js';
import type { ServingServices } from '../serving-services.js';

/** 1-based page of at most 200 rows (default 50). */
export const pageFields = {
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
};

export function limitOffset(input: { page: number; pageSize: number }): { limit: number; offset: number } {
  return { limit: input.pageSize, offset: (input.page - 1) * input.pageSize };
}

/** An ILIKE pattern matching `search` anywhere, its wildcards taken literally; null for no search. */
export function containsPattern(search: string | undefined): string | null {
  const s = search?.trim();
  if (!s) return null;
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const CALLER_MISTAKE = /^[A-Za-z][\w.[\]]*(:| must | is not | is repeated)|does not exist|already exists|cannot (start|stop)|is not a variant|unknown (user|item)|^no (model|job|admin)|not found/i;

/** Runs `work`, turning an Error that names the offending field or object into BAD_REQUEST. */
export async function asBadRequest<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // database errors (they carry an SQLSTATE code) are the server's, whatever their wording
    const sqlState = typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
    if (!(error instanceof TRPCError) && error instanceof Error && !sqlState && CALLER_MISTAKE.test(error.message)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
    }
    throw error;
  }
}

export function servingServices(ctx: ApiContext): ServingServices {
  if (!ctx.services) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this server has no serving services configured' });
  return ctx.services;
}

export const toDate = (v: Date | string | null | undefined): Date | null => (v === null || v === undefined ? null : new Date(v));
export const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
