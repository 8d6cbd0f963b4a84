export { auc, logLoss } from './ctr-metrics.js';
export {
  averagePrecisionAtK,
  catalogueCoverage,
  evaluateTopK,
  hitAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  type TopKMetrics,
} from './ranking-metrics.js';
export { leaveLastOutSplit, relevantItemsByUser, stratifiedSplit, type RowSplit } from './split-protocols.js';
