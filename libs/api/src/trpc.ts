// tRPC initialisation shared by every router: the request context and the procedure builders.
import { initTRPC } from '@trpc/server';
import type { CascadeDatabase } from '@cascade/db';

export interface ApiContext {
  db: CascadeDatabase;
  startedAt: Date;
  version: string;
}

const t = initTRPC.context<ApiContext>().create({
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
export const publicProcedure = t.procedure;
