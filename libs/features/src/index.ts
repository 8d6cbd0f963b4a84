export {
  parseFeatureSchema,
  fieldWidth,
  featureSchemaSchema,
  featureFieldSchema,
  fieldEncodingSchema,
  numericTransformSchema,
} from './schema.js';
export type { FeatureSchema, FeatureSchemaInput, FeatureField, FieldEncoding, NumericTransform } from './schema.js';
export { logBucket, bucketIndex } from './numeric-transform.js';
export { FeatureEncoder, FeatureVocabularyBuilder, fieldTokens, MISSING_TOKEN } from './feature-encoder.js';
export type { EncodedRows, FeatureEncoderState, RawFeatureRow, RawFeatureValue } from './feature-encoder.js';
export { parseCtrTsv, readCtrTsv, inferCtrTsvSchema, fitCtrTsvEncoder, encodeCtrTsv } from './ctr-tsv.js';
export type { CtrTsvData } from './ctr-tsv.js';
export { resolveSource, compileSource, assembleFeatureRow, assembleFeatures, assembleTrainingRows, EncodedItemCache } from './assemble.js';
export type { UserFeatures, ItemFeatures, ContextFeatures, FeatureRecords } from './assemble.js';
export { loadFeatureRecords, assembleFeaturesFromDatabase } from './database-features.js';
export type { ActivityWindow, DatabaseFeatureRequest, DatabaseFeatureRecords } from './database-features.js';
export { loadTrainingRecords, defaultEventLabeler } from './database-training.js';
export type { DatabaseTrainingOptions, DatabaseTrainingRecords, EventLabeler } from './database-training.js';
export { ClickLookup } from './click-lookup.js';
export {
  loadImpressionExamples,
  addImpressionVocabulary,
  fitImpressionVocabulary,
  encodeImpressionExamples,
  encodeImpressionExamplesInto,
} from './impression-examples.js';
export type { ImpressionExampleOptions, ImpressionExamples } from './impression-examples.js';
export { asAttributes } from './row-values.js';
