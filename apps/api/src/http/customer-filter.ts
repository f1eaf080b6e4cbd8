import { z } from 'zod';

/** The customer list filter: GET /v1/customers, bulk label edits and customer exports take the same one. */
export const customerFilterQuery = z.object({
  group: z.string().max(64).optional(),
  label: z.string().max(64).optional(),
  catalogue: z.string().max(64).optional(),
  search: z.string().trim().min(1).max(100).optional(),
  updatedSince: z.coerce
    .date({ error: 'not a date or time (ISO 8601: 2026-11-01 or 2026-11-01T09:00:00Z)' })
    .optional(),
  // A query string gives "true"/"false"; a JSON body (exports, label edits) may give a boolean.
  deleted: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'not true or false' })
    .optional(),
});

const FILTER_SCHEMAS: Record<string, object> = {
  updatedSince: { type: 'string', format: 'date-time' },
  deleted: { type: 'boolean' },
};

export const filterParameters = Object.keys(customerFilterQuery.shape).map((name) => ({
  name,
  in: 'query',
  schema: FILTER_SCHEMAS[name] ?? { type: 'string' },
}));
