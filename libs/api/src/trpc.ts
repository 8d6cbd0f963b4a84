// tRPC initialisation shared by every router: the request context and the procedure builders
// (public, and API-key procedures that check the key, its rate limit and its scope).
import { initTRPC, TRPCError } from '@trpc/server';
import type { CascadeDatabase } from '@cascade/db';
import type { JobRunner } from '@cascade/pipeline';
import type { ApiKeyScope, ApiKeyVerifier, VerifiedApiKey } from './auth/api-keys.js';
import type { TokenBucketRateLimiter } from './auth/rate-limiter.js';
import type { ServingMetrics } from './serving-metrics.js';
import type { ServingServices } from './serving-services.js';

export interface ApiContext {
  db: CascadeDatabase;
  startedAt: Date;
  version: string;
  /** The request's `Authorization` header, if any. */
  authorization?: string;
  keys?: ApiKeyVerifier;
  rateLimiter?: TokenBucketRateLimiter;
  services?: ServingServices;
  /** Counts every procedure call by result code and times it. */
  metrics?: ServingMetrics;
  /** Background jobs of this server (pipeline, training, import): started from the console and the API. */
  jobs?: JobRunner;
  /** Admin console: the request's `Cookie` header and `x-cascade-csrf` header, and how to set a response cookie. */
  cookie?: string;
  csrfToken?: string;
  setCookie?: (cookie: string) => void;
}

const t = initTRPC.context<ApiContext>().create({
  // Stack traces stay out of API responses unless CASCADE_DEBUG is set.
  isDev: Boolean(process.env.CASCADE_DEBUG),
  errorFormatter({ shape, error }) {
    // Name the offending field of a validation error in the message itself.
    const cause = error.cause as { issues?: { path: (string | number)[]; message: string }[] } | undefined;
    if (error.code === 'BAD_REQUEST' && cause?.issues?.length) {
      const issue = cause.issues[0];
      return { ...shape, message: `field "${issue.path.join('.') || '(input)'}": ${issue.message}` };
    }
    return shape;
  },
});

export const router = t.router;

/** Every procedure is counted (tRPC error code, OK on success) and timed, refusals and invalid input included. */
const observedProcedure = t.procedure.use(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next();
  ctx.metrics?.recordRequest(path, result.ok ? 'OK' : result.error.code, (performance.now() - started) / 1000);
  return result;
});

export const publicProcedure = observedProcedure;

/** Resolves the bearer key of the request; UNAUTHORIZED when it is missing, unknown or revoked. */
async function authenticate(ctx: ApiContext): Promise<VerifiedApiKey> {
  if (!ctx.keys) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this server has no API key store configured' });
  const header = ctx.authorization;
  if (!header) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing API key: send the header "Authorization: Bearer <key>"' });
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'malformed Authorization header: expected "Bearer <key>"' });
  const key = await ctx.keys.verify(match[1]);
  if (!key) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'invalid or revoked API key' });
  return key;
}

/** A procedure callable with a key holding any one of `scopes`, within the key's rate limit. */
export function scopedProcedure(...scopes: ApiKeyScope[]) {
  return observedProcedure.use(async ({ ctx, next }) => {
    const key = await authenticate(ctx);
    if (ctx.rateLimiter && !ctx.rateLimiter.take(key.id)) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `rate limit of API key "${key.name}" exceeded (${ctx.rateLimiter.options.ratePerSecond} requests/s, burst ${ctx.rateLimiter.options.burst})` });
    }
    if (!scopes.some((s) => key.scopes.has(s))) {
      const needed = scopes.map((s) => `"${s}"`).join(' or ');
      throw new TRPCError({ code: 'FORBIDDEN', message: `API key "${key.name}" lacks the ${needed} scope` });
    }
    return next({ ctx: { ...ctx, apiKey: key } });
  });
}
