import { z } from 'zod';
import { queryParameters } from './doc';

/** The customer list filter: GET /v1/customers, bulk label edits and customer exports take the same one. */
export const customerFilterQuery = z.object({
  group: z.string().max(64).optional(),
  label: z.string().max(64).optional(),
  catalogue: z.string().max(64).optional(),
  search: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .meta({
      description: 'Prefix of the customer number (as typed, or in capitals), or of the name or email (either case)',
    })
    .optional(),
  updatedSince: z.coerce
    .date({ error: 'not a date or time (ISO 8601: 2026-11-01 or 2026-11-01T09:00:00Z)' })
    // What it is sent as (a coerced value has no JSON Schema of its own).
    .meta({ type: 'string', format: 'date-time' })
    .optional(),
  // A query string gives "true"/"false"; a JSON body (exports, label edits) may give a boolean.
  deleted: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'not true or false' })
    .optional(),
});

export const filterParameters = queryParameters(customerFilterQuery);

/**
 * The filter inside a JSON body (exports, bulk label edits): a key it does not know is refused, for a misspelt
 * one ("lable") would otherwise select every customer.
 */
export const customerFilterBody = customerFilterQuery.strict();
