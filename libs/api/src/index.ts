export { appRouter, type AppRouter } from './app-router.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './http-server.js';
export type { ApiContext } from './trpc.js';
export { ServingMetrics, type RecommendOutcome, type ServingMetricsOptions } from './serving-metrics.js';
export { silentLogger, type ApiLogger } from './api-logger.js';
export { ServingServices, type ServingServicesOptions } from './serving-services.js';
export { MAX_BATCH } from './serving-router.js';
export {
  API_KEY_PREFIX,
  API_KEY_SCOPES,
  ApiKeyVerifier,
  countActiveApiKeys,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
  type ApiKeyRecord,
  type ApiKeyScope,
  type CreatedApiKey,
  type VerifiedApiKey,
} from './auth/api-keys.js';
export { TokenBucketRateLimiter, type RateLimitOptions } from './auth/rate-limiter.js';
export { adminRouter } from './admin/admin-router.js';
export { adminProcedure } from './admin/admin-procedure.js';
export {
  ADMIN_ROLES,
  createAdminUser,
  disableAdminUser,
  ensureFirstAdmin,
  listAdminUsers,
  setAdminUserRole,
  type AdminRole,
  type AdminUserRecord,
  type FirstAdminResult,
} from './admin/admin-users.js';
export { AdminSessionStore, createAdminSession, SESSION_TTL_MS, type AdminSession } from './admin/admin-sessions.js';
export { hashPassword, verifyPassword } from './admin/password.js';
export { CSRF_HEADER, SESSION_COOKIE } from './admin/cookies.js';
