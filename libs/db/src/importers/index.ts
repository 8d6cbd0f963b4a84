export { importDataset, findImportFormat, IMPORT_FORMATS, type ImportOptions, type ImportSummary } from './run-import.js';
export { ImportError } from './import-error.js';
export type { ImportFormat, ImportProgress } from './import-run.js';
export { GENERIC_EVENT_COLUMNS } from './generic.js';
export { CRITEO_INTEGER_FIELDS, CRITEO_CATEGORICAL_FIELDS } from './criteo.js';
