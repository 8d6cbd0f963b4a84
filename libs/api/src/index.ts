export { appRouter, type AppRouter } from './app-router.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './http-server.js';
export type { ApiContext } from './trpc.js';
