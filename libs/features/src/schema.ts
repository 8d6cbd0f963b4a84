// The declared feature schema: which fields a ranker sees, where each comes from and how it is encoded.
import { z } from 'zod';

/** Vocabulary built from training data (tokens seen fewer than minCount times go to the OOV index) or hashing into buckets. */
export const fieldEncodingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vocabulary'), minCount: z.number().int().positive().default(1) }),
  z.object({ kind: z.literal('hash'), buckets: z.number().int().positive() }),
]);

/** Numeric values become tokens: `log` is floor(ln(x)^2) for x > 2 (else x), `buckets` the index among sorted boundaries. */
export const numericTransformSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('log') }),
  z.object({ kind: z.literal('buckets'), boundaries: z.array(z.number()).min(1) }),
]);

const base = {
  name: z.string().min(1).regex(/^[^\t\n|]+$/, 'field names may not contain tab, newline or |'),
  /** Where assembleFeatures reads the value: see `resolveSource` (e.g. `user.attributes.age`, `item.categories`, `context.hour`). */
  source: z.string().min(1).optional(),
  encoding: fieldEncodingSchema.default({ kind: 'vocabulary', minCount: 1 }),
};

export const featureFieldSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('categorical') }),
  z.object({ ...base, type: z.literal('multi_categorical'), maxValues: z.number().int().positive() }),
  z.object({ ...base, type: z.literal('numeric'), transform: numericTransformSchema }),
]);

export const featureSchemaSchema = z.object({
  version: z.literal(1).default(1),
  fields: z.array(featureFieldSchema).min(1),
});

export type FieldEncoding = z.infer<typeof fieldEncodingSchema>;
export type NumericTransform = z.infer<typeof numericTransformSchema>;
export type FeatureField = z.infer<typeof featureFieldSchema>;
export type FeatureSchema = z.infer<typeof featureSchemaSchema>;
export type FeatureSchemaInput = z.input<typeof featureSchemaSchema>;

/** Validates a schema (throwing an Error that names the offending field) and fills in defaults. */
export function parseFeatureSchema(input: unknown): FeatureSchema {
  const result = featureSchemaSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid feature schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const field of result.data.fields) {
    if (seen.has(field.name)) throw new Error(`invalid feature schema: duplicate field name "${field.name}"`);
    seen.add(field.name);
    if (field.type === 'numeric' && field.transform.kind === 'buckets') {
      const b = field.transform.boundaries;
      for (let i = 1; i < b.length; i++) {
        if (!(b[i] > b[i - 1])) throw new Error(`invalid feature schema: field "${field.name}" bucket boundaries must be strictly increasing`);
      }
    }
  }
  return result.data;
}

/** Number of embedding slots a field occupies in an encoded row (multi-valued fields are mean-pooled over their slots). */
export function fieldWidth(field: FeatureField): number {
  return field.type === 'multi_categorical' ? field.maxValues : 1;
}
