export { SyntheticWorld, DEFAULT_SYNTHETIC_CONFIG, SYNTHETIC_CATEGORIES, type SyntheticConfig } from './synthetic-world.js';
export { seedDemoData, type SeedProgress } from './seed-demo-data.js';
