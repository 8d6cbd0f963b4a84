export { auc, logLoss } from './ctr-metrics.js';
