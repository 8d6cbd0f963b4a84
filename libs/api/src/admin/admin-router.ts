// The admin console's API: one tRPC router, mounted as `admin` in the app router.
import { router } from '../trpc.js';
import { authRouter } from './auth-router.js';
import { catalogueRouter } from './catalogue-router.js';
import { experimentsRouter } from './experiments-router.js';
import { exploreRouter } from './explore-router.js';
import { inspectorRouter } from './inspector-router.js';
import { jobsRouter } from './jobs-router.js';
import { modelsRouter } from './models-router.js';
import { overviewRouter } from './overview-router.js';
import { settingsRouter } from './settings-router.js';

export const adminRouter = router({
  auth: authRouter,
  overview: overviewRouter,
  catalogue: catalogueRouter,
  inspector: inspectorRouter,
  models: modelsRouter,
  jobs: jobsRouter,
  explore: exploreRouter,
  experiments: experimentsRouter,
  settings: settingsRouter,
});
